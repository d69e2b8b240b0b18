using ConnectorHealth.Alerting.Alerts;

namespace ConnectorHealth.Alerting.Rules;

/// <summary>
/// A rule's verdict that something is wrong. <see cref="Key"/> is what tells two alerts of the same rule and connector
/// apart ("page" or "ticket" for the burn rate, the drifted paths for drift); "" when nothing does.
/// </summary>
public sealed record Finding(
    string Rule,
    Severity Severity,
    string Key,
    string Message,
    string RecommendedAction,
    IReadOnlyDictionary<string, string> Details);
