using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Dashboard.Web.Api;
using Dashboard.Web.Api.Trace;
using Dashboard.Web.Components;
using Dashboard.Web.Hosting;
using Dashboard.Web.Hubs;
using Dashboard.Web.Rooms;
using Dashboard.Web.Services;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.SignalR;
using MudBlazor.Services;

var builder = WebApplication.CreateBuilder(args);

// Kestrel refuses bodies over the documented limit before they reach an endpoint; the endpoints check again
// while reading because other servers (TestServer, a reverse proxy in front) may not enforce it.
builder.WebHost.ConfigureKestrel(options =>
{
    options.Limits.MaxRequestBodySize = ApiLimits.MaxRequestBodyBytes;
    // Kestrel's own 414 has no body: its limit sits above ours, so ours answers with a problem naming the limit.
    options.Limits.MaxRequestLineSize = ProblemStatusPages.KestrelRequestLineBytes;
    options.AddServerHeader = false;
});

builder.Services.AddRazorComponents()
    .AddInteractiveServerComponents(options => options.DisconnectedCircuitRetentionPeriod = CircuitRooms.RetainDisconnected)
    // Pasted `kubectl get svc,endpointslices -o yaml` arrives in one circuit message; SignalR's default is 32 KB.
    .AddHubOptions(options => options.MaximumReceiveMessageSize = ApiLimits.MaxPastedObjectsBytes);
builder.Services.AddSignalR().AddHubOptions<SimulationHub>(options => options.AddFilter<HubCallLimit>());
builder.Services.AddHttpContextAccessor();
builder.Services.AddScoped<CircuitRooms>();
builder.Services.AddScoped<CircuitHandler>(services => services.GetRequiredService<CircuitRooms>());
builder.Services.AddClientLimits(builder.Configuration);
builder.Services.AddDashboardHealth();
builder.Services.AddSingleton<HeavyWork>();
builder.Services.AddSingleton<RoomMemory>();
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
app.UseProblemStatusPages();
if (!app.Environment.IsDevelopment())
{
    app.UseHsts(); // sent only on HTTPS responses, and never for localhost
}
app.UseSecurityHeaders();

var supportedCultures = SupportedCultures.All.Select(CultureInfo.GetCultureInfo).ToArray();
app.UseRequestLocalization(new RequestLocalizationOptions
{
    DefaultRequestCulture = new RequestCulture(SupportedCultures.Default),
    SupportedCultures = supportedCultures,
    SupportedUICultures = supportedCultures,
});

app.UseRateLimiter();
app.UseAntiforgery();
app.MapStaticAssets();

app.MapHealth();
var api = app.MapGroup(string.Empty).RequireRateLimiting(ClientLimits.ApiPolicy);
api.MapRulesApi();
api.MapTraceApi();
api.MapApiFallback();
app.MapCultureSwitch();
app.MapHub<SimulationHub>("/hubs/simulation").RequireRateLimiting(ClientLimits.HubPolicy);

app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireRateLimiting(ClientLimits.PagePolicy);

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
