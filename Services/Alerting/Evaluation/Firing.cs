using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Rules;

namespace ConnectorHealth.Alerting.Evaluation;

/// <summary>A rule's finding for a connector, with what triggered it this time (none when nothing new did).</summary>
internal sealed record Firing(string Connector, Finding Finding, IReadOnlyList<Occurrence> Occurrences)
{
    public string Fingerprint { get; } = AlertFingerprint.Of(Connector, Finding.Rule, Finding.Key);
}
