using Dashboard.Web.Model;
using Dashboard.Web.Resources;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// iptables-save output in monospace. Virtualised: at 50,000 services the text runs to hundreds of thousands of
/// lines, and only the visible ones (plus an overscan) are in the DOM.
/// </summary>
public partial class RulesText
{
    /// <summary>Must match .rule-line's CSS height, or Virtualize scrolls to the wrong place.</summary>
    public const float LineHeight = 20;

    [Parameter, EditorRequired]
    public required RuleLine[] Lines { get; set; }

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }

    /// <summary>Tables, chain declarations and COMMIT are set apart so the eye finds the structure of the dump.</summary>
    private static string LineClass(string text) => text switch
    {
        ['*', ..] => "rule-table",
        [':', ..] => "rule-chain",
        ['#', ..] => "rule-comment",
        "COMMIT" => "rule-commit",
        _ when text.StartsWith("-A KUBE-SERVICES ", StringComparison.Ordinal) => "rule-services",
        _ => "",
    };
}
