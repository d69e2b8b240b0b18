using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Schemas;

namespace ConnectorHealth.Drift.Detection;

/// <summary>A drift event about to be written; its changes are filled in once the versions' fields are at hand.</summary>
internal sealed record EventRow(
    string Connector,
    Guid RunId,
    DateTimeOffset FinishedAt,
    InferredSchema? Schema,
    int? FromVersion,
    int? ToVersion,
    DriftKind Kind,
    bool Oscillating,
    CompatibilityMode Compatibility,
    DriftAction Action,
    IReadOnlyList<string> Violations,
    bool Notify)
{
    public IReadOnlyList<SchemaChange> Changes { get; set; } = [];

    /// <summary>For a dataset's event: the job whose run showed it (the message's connector), and the dataset.</summary>
    public string? Job { get; init; }

    public DriftDataset? Dataset { get; init; }

    public bool Breaking => Violations.Count > 0 || Changes.Any(change => change.Breaking);

    /// <summary>An event detected at <paramref name="run"/>, carrying its schema and contract violations.</summary>
    public static EventRow At(
        ObservedRun run, int? fromVersion, int? toVersion, DriftKind kind, bool oscillating, CompatibilityMode compatibility,
        DriftAction action, bool notify) =>
        new(run.Run.Connector, run.Run.RunId, run.Run.FinishedAt, run.Schema, fromVersion, toVersion, kind, oscillating, compatibility,
            action, run.Violations, notify)
        {
            Job = run.Dataset?.Job,
            Dataset = run.Dataset is { } dataset ? new DriftDataset(dataset.Key, dataset.Namespace, dataset.Name) : null,
        };

    public SchemaDriftDetected ToMessage(long eventId, DateTimeOffset detectedAt) => new()
    {
        EventId = eventId,
        Connector = Job ?? Connector,
        RunId = RunId,
        FinishedAt = FinishedAt,
        FromVersion = FromVersion,
        ToVersion = ToVersion,
        Kind = Kind,
        Oscillating = Oscillating,
        Changes = Changes,
        Compatibility = Compatibility,
        Breaking = Breaking,
        Action = Action,
        ContractViolations = Violations,
        DetectedAt = detectedAt,
        Dataset = Dataset,
    };
}
