using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.DataContracts;
using ConnectorHealth.Drift.History;

namespace ConnectorHealth.Drift.Queries;

/// <summary>One connector in the schema list.</summary>
public sealed record SchemaListItem(
    string Connector, int? CurrentVersion, DateTimeOffset? CurrentSince, int Versions, long Runs, DateTimeOffset? LatestRunAt,
    CompatibilityMode Compatibility, ContractPolicy? ContractPolicy, DateTimeOffset? LastChangeAt);

public sealed record SchemaList(IReadOnlyList<SchemaListItem> Items);

/// <summary>A version without its fields.</summary>
public sealed record VersionSummary(
    int Version, string Fingerprint, int FieldCount, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long RunCount, bool Partial,
    IReadOnlyList<string> LimitsHit);

/// <summary>A flip-flop between known versions: one ongoing condition rather than an event per run.</summary>
public sealed record Oscillation(bool Ongoing, IReadOnlyList<int> Between, int Flips, DateTimeOffset Since, DateTimeOffset LastFlipAt);

/// <summary>A connector's schema history: where it stands, every version, and the latest change.</summary>
public sealed record ConnectorSchema(
    string Connector,
    CompatibilityMode Compatibility,
    int? CurrentVersion,
    DateTimeOffset? CurrentSince,
    DateTimeOffset? LatestRunAt,
    IReadOnlyList<string> TopLevelKeys,
    IReadOnlyList<VersionSummary> Versions,
    Oscillation? Oscillation,
    DriftEventItem? LatestChange);

public sealed record SchemaVersion(
    string Connector, int Version, string Fingerprint, IReadOnlyList<StoredField> Fields, IReadOnlyList<string> TopLevelKeys,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long RunCount, bool Partial, IReadOnlyList<string> LimitsHit, bool Current,
    PayloadSample? Sample);

/// <summary>
/// What drift knows of one run: whether it was versioned (or held in quarantine, or had no payload), the schema version it
/// had, and that version's sample payload (the run that first showed it; runs themselves keep no payload).
/// </summary>
public sealed record RunSchema(
    Guid RunId, string Connector, DateTimeOffset FinishedAt, string Outcome, int? Version, bool FirstOfVersion, PayloadSample? Sample);

public sealed record SchemaDiffReport(
    string Connector, int From, int To, CompatibilityMode Compatibility, bool Breaking, IReadOnlyList<SchemaChange> Changes);

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
    DateTimeOffset DetectedAt)
{
    public static DriftEventItem From(SchemaDriftDetected e) => new(
        e.EventId, e.Connector, e.RunId, e.FinishedAt, e.FromVersion, e.ToVersion, e.Kind, e.Oscillating, e.Breaking, e.Compatibility,
        e.Action, DriftSummary.Describe(e), e.Changes, e.ContractViolations, e.DetectedAt);
}

public sealed record DriftEventPage(IReadOnlyList<DriftEventItem> Items, string? Cursor);

public sealed record Contract(string Connector, ContractPolicy Policy, JsonElement Schema, DateTimeOffset UpdatedAt);

public sealed record QuarantineItem(
    Guid QuarantineId, Guid RunId, string Connector, DateTimeOffset FinishedAt, string Status, IReadOnlyList<string> Violations,
    string Fingerprint, DateTimeOffset QuarantinedAt, DateTimeOffset? ReleasedAt, int? ReleasedVersion, JsonElement? Payload);

public sealed record QuarantinePage(IReadOnlyList<QuarantineItem> Items, string? Cursor);
