using ConnectorHealth.Alerting.Alerts;

namespace ConnectorHealth.Alerting.Silences;

/// <summary>
/// Holds the notifications of matching alerts for a while (maintenance, a known outage). Each non-null matcher must
/// equal the alert's; a silence with none matches everything.
/// </summary>
public sealed record Silence(
    Guid Id,
    string? Connector,
    string? Rule,
    Severity? Severity,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string Author,
    string Comment)
{
    public bool IsActive(DateTimeOffset now) => StartsAt <= now && now < EndsAt;

    public bool Matches(string connector, string rule, Severity severity, DateTimeOffset now) =>
        IsActive(now)
        && (Connector is null || string.Equals(Connector, connector, StringComparison.Ordinal))
        && (Rule is null || string.Equals(Rule, rule, StringComparison.Ordinal))
        && (Severity is null || Severity == severity);
}
