using Dashboard.Web.Resources;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using Microsoft.JSInterop;
using MudBlazor;

namespace Dashboard.Web.Components.Layout;

public partial class MainLayout : IAsyncDisposable
{
    // Roboto is MudBlazor's default face; the Korean faces follow so Hangul never falls back to a serif.
    private static readonly string[] FontStack =
        ["Roboto", "Noto Sans KR", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", "Helvetica", "Arial", "sans-serif"];

    private bool _isDarkMode;
    private IJSObjectReference? _themeModule;

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    [CascadingParameter(Name = "InitialDarkMode")]
    public bool InitialDarkMode { get; set; }

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949AB",
            AppbarBackground = "#263238",
            Background = "#F7F8FA",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#9FA8DA",
            PrimaryContrastText = "#1B1F24",
            AppbarBackground = "#1B1F24",
            // MudBlazor's default dark stripe is bright enough to read as a selection; keep it a hint.
            TableStriped = "rgba(255, 255, 255, 0.04)",
            TableHover = "rgba(255, 255, 255, 0.08)",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = FontStack, FontSize = "0.875rem" },
        },
    };

    private string ThemeSwitchLabel => L[_isDarkMode ? "SwitchToLight" : "SwitchToDark"];

    protected override void OnInitialized() => _isDarkMode = InitialDarkMode;

    private async Task ToggleDarkModeAsync()
    {
        _isDarkMode = !_isDarkMode;
        try
        {
            _themeModule ??= await JS.InvokeAsync<IJSObjectReference>("import", "./js/theme.js");
            await _themeModule.InvokeVoidAsync("storeThemePreference", _isDarkMode);
        }
        catch (JSDisconnectedException)
        {
            // The circuit is gone; the preference simply is not stored.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_themeModule is not null)
        {
            try
            {
                await _themeModule.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // Disposal after the browser left is expected; nothing to release on its side.
            }
        }
        GC.SuppressFinalize(this);
    }
}
