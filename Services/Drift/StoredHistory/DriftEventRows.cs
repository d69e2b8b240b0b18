using System.Text.Json;
using ConnectorHealth.Contracts;
using Npgsql;

namespace ConnectorHealth.Drift.StoredHistory;

/// <summary>Reads stored drift events back as the message they are published as.</summary>
public static class DriftEventRows
{
    /// <summary>The columns <see cref="Read"/> expects, for a query over <c>drift.drift_events</c> aliased <c>e</c>.</summary>
    public const string Columns =
        "e.event_id, e.connector, e.run_id, e.finished_at, e.from_version, e.to_version, e.kind, e.oscillating, e.changes::text, "
        + "e.compatibility, e.breaking, e.action, e.contract_violations::text, e.detected_at";

    public static SchemaDriftDetected Read(NpgsqlDataReader reader)
    {
        EnumNames.TryParse<DriftKind>(reader.GetString(6), out var kind);
        EnumNames.TryParse<CompatibilityMode>(reader.GetString(9), out var compatibility);
        EnumNames.TryParse<DriftAction>(reader.GetString(11), out var action);
        return new SchemaDriftDetected
        {
            EventId = reader.GetInt64(0),
            Connector = reader.GetString(1),
            RunId = reader.GetGuid(2),
            FinishedAt = reader.GetFieldValue<DateTimeOffset>(3),
            FromVersion = reader.IsDBNull(4) ? null : reader.GetInt32(4),
            ToVersion = reader.IsDBNull(5) ? null : reader.GetInt32(5),
            Kind = kind,
            Oscillating = reader.GetBoolean(7),
            Changes = JsonSerializer.Deserialize<List<SchemaChange>>(reader.GetString(8), DriftJson.Options)!,
            Compatibility = compatibility,
            Breaking = reader.GetBoolean(10),
            Action = action,
            ContractViolations = JsonSerializer.Deserialize<List<string>>(reader.GetString(12))!,
            DetectedAt = reader.GetFieldValue<DateTimeOffset>(13),
        };
    }
}
