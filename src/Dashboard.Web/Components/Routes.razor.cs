using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components;

public partial class Routes
{
    /// <summary>The theme from the cookie, passed from the static App shell into the interactive tree.</summary>
    [Parameter]
    public bool DarkMode { get; set; }
}
