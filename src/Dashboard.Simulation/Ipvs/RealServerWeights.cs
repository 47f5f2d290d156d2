using System.Globalization;

namespace Dashboard.Simulation.Ipvs;

/// <summary>
/// Weights to give real servers instead of kube-proxy's: kube-proxy sets every real server to weight 1 (and 0 while it
/// drains), so wrr, wlc, sed and the other weighted schedulers behave like their unweighted forms. For teaching, a list
/// such as 3,1,1 is dealt to each virtual service's real servers in the order they are added, starting again at its
/// start when a service has more servers than the list. The range is ipvsadm's (`-w`, 0 to 65535); a weight of 0
/// makes a server quiescent, as for a draining one.
/// </summary>
public static class RealServerWeights
{
    public const int MaxWeight = 65_535;
    public const int MaxCount = 16;

    /// <summary>The weight of the <paramref name="index"/>th real server added to a service; 1 (kube-proxy's) without a list.</summary>
    public static int Of(IReadOnlyList<int>? weights, int index) =>
        weights is { Count: > 0 } ? weights[index % weights.Count] : 1;

    /// <summary>Reads "3,1,1"; the problem names what is wrong in words a user can act on.</summary>
    public static bool TryParse(string text, out IReadOnlyList<int> weights, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var list = new List<int>(parts.Length);
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var weight) || weight > MaxWeight)
            {
                weights = [];
                problem = $"weight \"{part}\" is not a whole number from 0 to {MaxWeight}";
                return false;
            }
            list.Add(weight);
        }
        weights = list;
        problem = Problem(list);
        return problem is null;
    }

    /// <summary>Why a list cannot be used, or null.</summary>
    public static string? Problem(IReadOnlyList<int> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count is 0 or > MaxCount)
        {
            return $"give 1 to {MaxCount} weights, separated by commas";
        }
        return weights.Any(w => w is < 0 or > MaxWeight) ? $"each weight must be from 0 to {MaxWeight}" : null;
    }

    /// <summary>"3,1,1": the form <see cref="TryParse"/> reads.</summary>
    public static string Format(IReadOnlyList<int> weights) =>
        string.Join(',', weights.Select(w => w.ToString(CultureInfo.InvariantCulture)));
}
