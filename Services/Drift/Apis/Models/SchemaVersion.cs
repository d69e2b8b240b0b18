using ConnectorHealth.Drift.StoredHistory;

namespace ConnectorHealth.Drift.Apis.Models;

public sealed record SchemaVersion(
    string Connector, int Version, string Fingerprint, IReadOnlyList<StoredField> Fields, IReadOnlyList<string> TopLevelKeys,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long RunCount, bool Partial, IReadOnlyList<string> LimitsHit, bool Current,
    PayloadSample? Sample);
