using System.Text.Json;

namespace ConnectorHealth.Dashboard;

// The Drift service's schema, contract and quarantine JSON (GET /api/schemas, /api/contracts, /api/quarantine). Enums
// arrive as snake_case strings: backward, field_added, alert, held.

public sealed record SchemaList(IReadOnlyList<SchemaListItem> Items);

public sealed record SchemaListItem(
    string Connector,
    int? CurrentVersion,
    DateTimeOffset? CurrentSince,
    int Versions,
    long Runs,
    DateTimeOffset? LatestRunAt,
    string Compatibility,
    string? ContractPolicy,
    DateTimeOffset? LastChangeAt);

/// <summary>One schema version with its fields (<c>GET /api/schemas/{connector}/versions/{version}</c>).</summary>
public sealed record SchemaVersion(
    string Connector,
    int Version,
    string Fingerprint,
    IReadOnlyList<SchemaField> Fields,
    IReadOnlyList<string> TopLevelKeys,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    long RunCount,
    bool Partial,
    IReadOnlyList<string> LimitsHit,
    bool Current);

public sealed record SchemaField(string Path, IReadOnlyList<string> Types, bool Nullable, bool Optional);

/// <summary>The changes from one version to another, judged under <see cref="Compatibility"/>.</summary>
public sealed record SchemaDiffReport(string Connector, int From, int To, string Compatibility, bool Breaking, IReadOnlyList<SchemaChange> Changes);

/// <summary>A connector's data contract: a JSON Schema its payloads must meet, and what happens when one does not.</summary>
public sealed record Contract(string Connector, string Policy, JsonElement Schema, DateTimeOffset UpdatedAt);

/// <summary>A connector's contract, or none (the contracts route answers 404 for a connector without one).</summary>
public sealed record ContractLookup(Contract? Contract);

/// <summary>The body of <c>PUT /api/contracts/{connector}</c>.</summary>
public sealed record ContractRequest(string Policy, JsonElement Schema);

public sealed record QuarantineItem(
    Guid QuarantineId,
    Guid RunId,
    string Connector,
    DateTimeOffset FinishedAt,
    string Status,
    IReadOnlyList<string> Violations,
    string Fingerprint,
    DateTimeOffset QuarantinedAt,
    DateTimeOffset? ReleasedAt,
    int? ReleasedVersion);

public sealed record QuarantinePage(IReadOnlyList<QuarantineItem> Items, string? Cursor);

/// <summary>A released quarantined run: the schema version it became.</summary>
public sealed record ReplayReceipt(Guid QuarantineId, string Status, int? Version, int DriftEventsPublished);

