using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;
using Dashboard.Web.Hosting;
using Dashboard.Web.Model;

namespace Dashboard.Web.Api;

/// <summary>
/// POST /api/v1/rules/iptables and /api/v1/rules/ipvs: Kubernetes objects in, the node's iptables-save text out (and in
/// IPVS mode its ipvsadm-save and ipset save too).
/// </summary>
public static partial class RulesEndpoints
{
    /// <summary>Response headers are not a place for megabytes of warnings: past this, the header says how many were cut.</summary>
    public const int MaxWarningsHeaderLength = 8 * 1024;

    private static readonly InputFormat[] Accepted = [InputFormat.Yaml, InputFormat.Json];

    public static IEndpointRouteBuilder MapRulesApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/v1/rules/iptables", (Delegate)SaveIptablesAsync)
            .WithName("IptablesRules")
            .WithSummary("The iptables-save text kube-proxy (iptables mode) would install on the node for these objects.");
        endpoints.MapPost("/api/v1/rules/ipvs", (Delegate)SaveIpvsAsync)
            .WithName("IpvsRules")
            .WithSummary("The ipvsadm-save, ipset save and iptables-save texts of a node running kube-proxy in IPVS mode, for these objects.");
        return endpoints;
    }

    private static Task<IResult> SaveIptablesAsync(
        HttpContext context,
        HeavyWork heavy,
        string? nodeName,
        string? nodeIP,
        string? podCIDR,
        string? clusterCIDR)
    {
        var (node, errors) = ParseNode(nodeName, nodeIP, podCIDR, clusterCIDR);
        return RespondAsync(context, heavy, node, errors,
            (objects, settings) => Results.Text(IptablesRules.Save(objects, settings), "text/plain; charset=utf-8", Encoding.UTF8));
    }

    private static Task<IResult> SaveIpvsAsync(
        HttpContext context,
        HeavyWork heavy,
        string? nodeName,
        string? nodeIP,
        string? podCIDR,
        string? clusterCIDR,
        string? scheduler)
    {
        var (node, errors) = ParseNode(nodeName, nodeIP, podCIDR, clusterCIDR);
        // Empty means kube-proxy's default, which NodeIpvs.Build applies.
        if (!string.IsNullOrEmpty(scheduler) && !SchedulerCatalog.KnownNames.Contains(scheduler, StringComparer.Ordinal))
        {
            errors = [.. errors, new ApiError($"scheduler: '{Printable(scheduler)}' is not an IPVS scheduler the simulator knows; known schedulers: {string.Join(", ", SchedulerCatalog.KnownNames)}.")];
        }
        return RespondAsync(context, heavy, node, errors, (objects, settings) =>
        {
            var ipvs = NodeIpvs.Build(objects, settings, scheduler ?? string.Empty);
            return Results.Json(new IpvsRules(ipvs.IpvsadmSave(), ipvs.IpsetSave(), ipvs.IptablesSave(), ipvs.Sysctls), ApiJson.Options);
        });
    }

    /// <summary>
    /// What both rules endpoints do around their own work: parameters are checked before the body is read (a bad
    /// nodeIP should not cost a 64 MB upload), then the body is read and parsed, warnings go to X-Warnings, and
    /// <paramref name="render"/> turns the objects into the response. A large body, or objects that make many rules,
    /// waits for a turn of <paramref name="heavy"/>; a client that goes away stops the reading.
    /// </summary>
    private static async Task<IResult> RespondAsync(HttpContext context, HeavyWork heavy, NodeSettings? node,
        IReadOnlyList<ApiError> parameterErrors, Func<ClusterObjects, NodeSettings, IResult> render)
    {
        var request = context.Request;
        if (parameterErrors.Count > 0)
        {
            return ApiProblems.Semantic("Invalid query parameters", parameterErrors);
        }
        if (RequestBody.DetectFormat(request.ContentType, Accepted) is not { } format)
        {
            return ApiProblems.UnsupportedMediaType(request.ContentType, RequestBody.MediaTypesFor(Accepted));
        }

        var (text, problem) = await RequestBody.ReadOrProblemAsync(context);
        if (text is null)
        {
            return problem!;
        }

        var aborted = context.RequestAborted;
        IDisposable? turn = null;
        try
        {
            if (text.Length > HeavyWork.BodyBytes && (turn = await heavy.EnterAsync(aborted)) is null)
            {
                return HeavyWork.Busy(context);
            }
            var objects = ClusterObjectsReader.Read(text, format, new InputBudget(aborted));
            text = null; // the parsed objects are all that is needed from here on
            if (turn is null && objects.Work > HeavyWork.Work && (turn = await heavy.EnterAsync(aborted)) is null)
            {
                return HeavyWork.Busy(context);
            }
            var result = render(objects, node!);
            if (objects.Warnings.Count > 0)
            {
                context.Response.Headers["X-Warnings"] = FormatWarningsHeader(objects.Warnings);
            }
            return result;
        }
        catch (InputException exception)
        {
            return ApiProblems.FromInputException(exception);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return Results.Empty; // nobody is listening
        }
        finally
        {
            turn?.Dispose();
        }
    }

    /// <summary>Null settings with the reasons when a parameter is invalid; omitted parameters take NodeSettings.Default.</summary>
    public static (NodeSettings? Node, IReadOnlyList<ApiError> Errors) ParseNode(
        string? nodeName, string? nodeIP, string? podCIDR, string? clusterCIDR)
    {
        var defaults = NodeSettings.Default;
        var errors = new List<ApiError>();

        var name = string.IsNullOrEmpty(nodeName) ? defaults.Name : nodeName;
        if (!NodeFields.IsName(name))
        {
            errors.Add(new ApiError($"nodeName: '{Printable(name)}' {NodeFields.NameProblem}."));
        }

        var ip = defaults.Ip;
        if (!string.IsNullOrEmpty(nodeIP) && !NodeFields.TryParseIp(nodeIP, out ip))
        {
            errors.Add(new ApiError($"nodeIP: '{Printable(nodeIP)}' {NodeFields.IpProblem}."));
        }

        var podCidr = defaults.PodCidr;
        if (!string.IsNullOrEmpty(podCIDR) && !NodeFields.TryParseCidr(podCIDR, out podCidr))
        {
            errors.Add(new ApiError($"podCIDR: '{Printable(podCIDR)}' {NodeFields.PodCidrProblem}."));
        }

        var clusterCidr = defaults.ClusterCidr;
        if (!string.IsNullOrEmpty(clusterCIDR) && !NodeFields.TryParseCidr(clusterCIDR, out clusterCidr))
        {
            errors.Add(new ApiError($"clusterCIDR: '{Printable(clusterCIDR)}' {NodeFields.ClusterCidrProblem}."));
        }

        return errors.Count > 0 ? (null, errors) : (new NodeSettings(name, ip, podCidr, clusterCidr), errors);
    }

    /// <summary>
    /// Joins warnings into one header value that any HTTP client accepts: printable ASCII only (others as \uXXXX),
    /// and cut to <see cref="MaxWarningsHeaderLength"/> with a count of what was left off.
    /// </summary>
    public static string FormatWarningsHeader(IReadOnlyList<string> warnings)
    {
        var header = new StringBuilder();
        for (var i = 0; i < warnings.Count; i++)
        {
            var item = (i > 0 ? "; " : "") + Printable(warnings[i]);
            if (header.Length + item.Length > MaxWarningsHeaderLength)
            {
                header.Append(CultureInfo.InvariantCulture, $"; ... ({warnings.Count - i} more)");
                break;
            }
            header.Append(item);
        }
        return header.ToString();
    }


    private static string Printable(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is >= ' ' and <= '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
        }
        return builder.ToString();
    }
}

/// <summary>
/// The response of /api/v1/rules/ipvs: what `ipvsadm-save -n`, `ipset save` and `iptables-save` print on the node, and
/// the sysctls kube-proxy sets for IPVS mode (vs/conntrack=1: IPVS connections get conntrack entries too).
/// </summary>
public sealed record IpvsRules(string Ipvsadm, string Ipset, string Iptables, IReadOnlyList<KubeProxySysctl> Sysctls);
