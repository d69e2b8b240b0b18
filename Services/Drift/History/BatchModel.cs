using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.DataContracts;
using ConnectorHealth.Drift.Schemas;

namespace ConnectorHealth.Drift.History;

/// <summary>What a batch did: counts, and the drift events to publish.</summary>
public sealed record ProcessResult(
    int Versioned, int WithoutPayload, int Quarantined, int Duplicates, IReadOnlyList<SchemaDriftDetected> ToPublish)
{
    /// <summary>The contract violations of the last quarantined run (what a replay reports when it still fails).</summary>
    public IReadOnlyList<string> Violations { get; init; } = [];

    /// <summary>The version the last versioned run got (a replayed run's version).</summary>
    public int? ReleasedVersion { get; init; }
}

public enum ReplayStatus
{
    Released,
    StillViolates,
    NotFound,
    AlreadyReleased,
}

public sealed record ReplayResult(ReplayStatus Status, IReadOnlyList<string> Violations, int? Version, IReadOnlyList<SchemaDriftDetected> ToPublish)
{
    public static readonly ReplayResult NotFound = new(ReplayStatus.NotFound, [], null, []);
    public static readonly ReplayResult AlreadyReleased = new(ReplayStatus.AlreadyReleased, [], null, []);
}

/// <summary>A run with its inferred schema (null without a payload) and what the batch decided for it.</summary>
internal sealed class ObservedRun(RunCompleted run, InferredSchema? schema)
{
    public RunCompleted Run { get; } = run;
    public InferredSchema? Schema { get; } = schema;
    public IReadOnlyList<string> Violations { get; set; } = [];
    public int? Version { get; set; }
}

/// <summary>Where a connector's history stands: the latest versioned run by FinishedAt and its version.</summary>
internal sealed record ConnectorState(
    string Connector, CompatibilityMode Compatibility, int? CurrentVersion, DateTimeOffset? CurrentSince, Guid? LatestRunId,
    DateTimeOffset? LatestFinishedAt)
{
    public static ConnectorState New(string connector) => new(connector, CompatibilityMode.Backward, null, null, null, null);
}

internal sealed record ContractRow(ContractPolicy Policy, JsonElement Schema, DateTimeOffset Revision, DateTimeOffset? AlertedAt);

internal sealed record RunRow(Guid RunId, string Connector, DateTimeOffset FinishedAt, string Outcome, int? Version);

/// <summary>A version first seen in this batch, with the payload of the run that showed it (cut to the sample size).</summary>
internal sealed record NewVersion(string Connector, int Version, InferredSchema Schema, PayloadSample? Sample);

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

    public bool Breaking => Violations.Count > 0 || Changes.Any(c => c.Breaking);

    public SchemaDriftDetected ToMessage(long eventId, DateTimeOffset detectedAt) => new()
    {
        EventId = eventId,
        Connector = Connector,
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
    };
}

/// <summary>What the batch read under its locks.</summary>
internal sealed class BatchContext
{
    public HashSet<Guid> Existing { get; } = [];
    public Dictionary<string, ConnectorState> States { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ContractRow> Contracts { get; } = new(StringComparer.Ordinal);
    public Dictionary<(string Connector, string Fingerprint), int> Versions { get; } = [];
    public Dictionary<string, int> MaxVersions { get; } = new(StringComparer.Ordinal);

    /// <summary>The fields of the current versions that cut payloads are compared with (loaded for this batch).</summary>
    public IReadOnlyDictionary<(string Connector, int Version), IReadOnlyList<FieldSchema>> CurrentFields { get; set; } =
        new Dictionary<(string Connector, int Version), IReadOnlyList<FieldSchema>>();
    public Dictionary<string, (DateTimeOffset FinishedAt, bool Oscillating)> LastEvents { get; } = new(StringComparer.Ordinal);
}

/// <summary>What the batch will write.</summary>
internal sealed class BatchWork
{
    public List<RunRow> Runs { get; } = [];
    public List<ObservedRun> Quarantine { get; } = [];
    public List<EventRow> Events { get; } = [];
    public List<NewVersion> NewVersions { get; } = [];
    public HashSet<Guid> CreatedBy { get; } = [];
    public Dictionary<(string Connector, int Version), (long Runs, DateTimeOffset First, DateTimeOffset Last)> Counts { get; } = [];
    public List<ConnectorState> States { get; } = [];
    public HashSet<string> ContractsAlerted { get; } = new(StringComparer.Ordinal);
    public List<SchemaDriftDetected> LatePublished { get; } = [];
    public int LateRuns { get; set; }
    public IReadOnlyList<string> Violations { get; set; } = [];
    public int? ReleasedVersion { get; set; }

    public void Count(string connector, int version, DateTimeOffset finishedAt)
    {
        Counts[(connector, version)] = Counts.TryGetValue((connector, version), out var c)
            ? (c.Runs + 1, finishedAt < c.First ? finishedAt : c.First, finishedAt > c.Last ? finishedAt : c.Last)
            : (1, finishedAt, finishedAt);
    }
}
