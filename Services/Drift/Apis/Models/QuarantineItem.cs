using System.Text.Json;

namespace ConnectorHealth.Drift.Apis.Models;

public sealed record QuarantineItem(
    Guid QuarantineId, Guid RunId, string Connector, DateTimeOffset FinishedAt, string Status, IReadOnlyList<string> Violations,
    string Fingerprint, DateTimeOffset QuarantinedAt, DateTimeOffset? ReleasedAt, int? ReleasedVersion, JsonElement? Payload);
