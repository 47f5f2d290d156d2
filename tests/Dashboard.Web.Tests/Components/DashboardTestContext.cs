using System.Globalization;
using Bunit;
using Dashboard.Web.Rooms;
using Dashboard.Web.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// The shared bUnit context: MudBlazor's services with the popover-provider check off (tests render pages without
/// the layout), loose JS interop (MudBlazor calls JS we do not assert on), localization, and the app's services.
/// </summary>
public abstract class DashboardTestContext : BunitContext
{
    private readonly CultureInfo _culture = CultureInfo.CurrentCulture;
    private readonly CultureInfo _uiCulture = CultureInfo.CurrentUICulture;

    protected DashboardTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(options => options.PopoverOptions.CheckForPopoverProvider = false);
        Services.AddLocalization();
        Services.AddSingleton<RulesPreviewService>();
        Services.AddSingleton<Hosting.HeavyWork>();
        Services.AddSingleton<FakeSimulationRooms>();
        Services.AddSingleton<ISimulationRooms>(services => services.GetRequiredService<FakeSimulationRooms>());
        Services.AddHttpContextAccessor();
        Services.AddScoped<CircuitRooms>();
        UseCulture("en");
        // As in the app: every component runs interactively on the server. (Last: it resolves the renderer.)
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    /// <summary>The culture the components render in (the request-localization middleware's job in the app).</summary>
    protected void UseCulture(string name)
    {
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(name);
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(name);
    }

    protected override void Dispose(bool disposing)
    {
        CultureInfo.CurrentCulture = _culture;
        CultureInfo.CurrentUICulture = _uiCulture;
        base.Dispose(disposing);
    }
}
