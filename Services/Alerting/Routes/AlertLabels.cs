using ConnectorHealth.Alerting.Alerts;

namespace ConnectorHealth.Alerting.Routes;

/// <summary>What routes match on and groups are made of: an alert's connector, rule and severity, and its connector's owner and tags.</summary>
public sealed record AlertLabels(string Connector, string Rule, Severity Severity, string? Owner, IReadOnlyList<string> Tags, string Fingerprint)
{
    public const string ConnectorLabel = "connector";
    public const string RuleLabel = "rule";
    public const string SeverityLabel = "severity";
    public const string OwnerLabel = "owner";

    /// <summary>Group by every label: each alert is a group of its own.</summary>
    public const string EveryLabel = "...";

    public static readonly IReadOnlyList<string> GroupableLabels = [ConnectorLabel, RuleLabel, SeverityLabel, OwnerLabel, EveryLabel];

    public string Value(string label) => label switch
    {
        ConnectorLabel => Connector,
        RuleLabel => Rule,
        SeverityLabel => SeverityNames.Name(Severity),
        OwnerLabel => Owner ?? "",
        EveryLabel => Fingerprint,
        _ => throw new ArgumentOutOfRangeException(nameof(label), label, "Not a label alerts are grouped by."),
    };
}
