using ConnectorHealth.Contracts;

namespace ConnectorHealth.Drift.Apis.Models;

/// <summary>A drift event as the API shows it, with a one-line summary a person can read.</summary>
public sealed record DriftEventItem(
    long EventId,
    string Connector,
    Guid RunId,
    DateTimeOffset FinishedAt,
    int? FromVersion,
    int? ToVersion,
    DriftKind Kind,
    bool Oscillating,
    bool Breaking,
    CompatibilityMode Compatibility,
    DriftAction Action,
    string Summary,
    IReadOnlyList<SchemaChange> Changes,
    IReadOnlyList<string> ContractViolations,
    DateTimeOffset DetectedAt,
    DriftDataset? Dataset = null)
{
    public static DriftEventItem From(SchemaDriftDetected detected) => new(
        detected.EventId, detected.Connector, detected.RunId, detected.FinishedAt, detected.FromVersion, detected.ToVersion,
        detected.Kind, detected.Oscillating, detected.Breaking, detected.Compatibility, detected.Action, DriftSummary.Describe(detected),
        detected.Changes, detected.ContractViolations, detected.DetectedAt, detected.Dataset);
}
