using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.PayloadContracts;
using ConnectorHealth.Drift.StoredHistory;

namespace ConnectorHealth.Drift.Apis.Models;

/// <summary>One dataset with a schema history: its key, its names as its producer sent them, and where its schema stands.</summary>
public sealed record DatasetListItem(
    string Key, string Namespace, string Name, int? CurrentVersion, int FieldCount, int Versions, DateTimeOffset LastSeen,
    string LastJob, CompatibilityMode Compatibility, ContractPolicy? ContractPolicy, DateTimeOffset? LastChangeAt);

public sealed record DatasetList(IReadOnlyList<DatasetListItem> Items);

/// <summary>A dataset's schema history: every version, the fields of the current one, and the latest change.</summary>
public sealed record DatasetSchema(
    string Key,
    string Namespace,
    string Name,
    string LastJob,
    Guid LastRunId,
    DateTimeOffset LastSeen,
    CompatibilityMode Compatibility,
    int? CurrentVersion,
    DateTimeOffset? CurrentSince,
    IReadOnlyList<StoredField> Fields,
    IReadOnlyList<VersionSummary> Versions,
    DriftEventItem? LatestChange);

/// <summary>One version of a dataset's schema with its fields (path, JSON types, and the declared type's detail).</summary>
public sealed record DatasetVersion(
    string Key, int Version, string Fingerprint, IReadOnlyList<StoredField> Fields, IReadOnlyList<string> TopLevelKeys,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long RunCount, bool Current);

public sealed record DatasetDiffReport(
    string Key, int From, int To, CompatibilityMode Compatibility, bool Breaking, IReadOnlyList<SchemaChange> Changes);

/// <summary>A dataset's compatibility mode, as set.</summary>
public sealed record DatasetCompatibility(string Key, CompatibilityMode Mode);
