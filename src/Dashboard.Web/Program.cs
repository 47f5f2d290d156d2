using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Dashboard.Web.Api;
using Dashboard.Web.Components;
using Dashboard.Web.Hubs;
using Dashboard.Web.Rooms;
using Dashboard.Web.Services;
using Microsoft.AspNetCore.Localization;
using MudBlazor.Services;

var builder = WebApplication.CreateBuilder(args);

// Kestrel refuses bodies over the documented limit before they reach an endpoint; the endpoints check again
// while reading because other servers (TestServer, a reverse proxy in front) may not enforce it.
builder.WebHost.ConfigureKestrel(options => options.Limits.MaxRequestBodySize = ApiLimits.MaxRequestBodyBytes);

builder.Services.AddRazorComponents().AddInteractiveServerComponents()
    // Pasted `kubectl get svc,endpointslices -o yaml` arrives in one circuit message; SignalR's default is 32 KB.
    .AddHubOptions(options => options.MaximumReceiveMessageSize = ApiLimits.MaxPastedObjectsBytes);
builder.Services.AddSignalR();
builder.Services.AddMudServices();
builder.Services.AddLocalization();
// Korean text goes out as UTF-8 rather than &#xAC00; entities: a third of the bytes, and readable in view-source.
builder.Services.AddWebEncoders(options => options.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
builder.Services.AddProblemDetails();
builder.Services.AddSingleton<RulesPreviewService>();
builder.Services.AddSingleton<SimulationRooms>();
builder.Services.AddSingleton<ISimulationRooms>(services => services.GetRequiredService<SimulationRooms>());
// Kestrel listens once the page and the engine have run once, so a fresh server's first visitor does not wait for the JIT.
WarmStartServer.Wrap(builder.Services);

var app = builder.Build();

app.UseExceptionHandler(ApiProblems.HandleUnexpectedException);
app.UseStatusCodePages();

var supportedCultures = SupportedCultures.All.Select(CultureInfo.GetCultureInfo).ToArray();
app.UseRequestLocalization(new RequestLocalizationOptions
{
    DefaultRequestCulture = new RequestCulture(SupportedCultures.Default),
    SupportedCultures = supportedCultures,
    SupportedUICultures = supportedCultures,
});

app.UseAntiforgery();
app.MapStaticAssets();

app.MapRulesApi();
app.MapTraceApi();
app.MapCultureSwitch();
app.MapHub<SimulationHub>("/hubs/simulation");

app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
