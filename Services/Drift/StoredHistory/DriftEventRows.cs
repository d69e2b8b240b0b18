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
        + "e.compatibility, e.breaking, e.action, e.contract_violations::text, e.detected_at, e.job, e.dataset_namespace, e.dataset_name";

    public static SchemaDriftDetected Read(NpgsqlDataReader reader)
    {
        const int eventId = 0, connector = 1, runId = 2, finishedAt = 3, fromVersion = 4, toVersion = 5, kind = 6, oscillating = 7,
            changes = 8, compatibility = 9, breaking = 10, action = 11, contractViolations = 12, detectedAt = 13, job = 14,
            datasetNamespace = 15, datasetName = 16;
        // A dataset's event is stored under the dataset's key and published under the job whose run showed it.
        EnumNames.TryParse<DriftKind>(reader.GetString(kind), out var driftKind);
        EnumNames.TryParse<CompatibilityMode>(reader.GetString(compatibility), out var compatibilityMode);
        EnumNames.TryParse<DriftAction>(reader.GetString(action), out var driftAction);
        return new SchemaDriftDetected
        {
            EventId = reader.GetInt64(eventId),
            Connector = reader.IsDBNull(job) ? reader.GetString(connector) : reader.GetString(job),
            RunId = reader.GetGuid(runId),
            FinishedAt = reader.GetFieldValue<DateTimeOffset>(finishedAt),
            FromVersion = reader.IsDBNull(fromVersion) ? null : reader.GetInt32(fromVersion),
            ToVersion = reader.IsDBNull(toVersion) ? null : reader.GetInt32(toVersion),
            Kind = driftKind,
            Oscillating = reader.GetBoolean(oscillating),
            Changes = JsonSerializer.Deserialize<List<SchemaChange>>(reader.GetString(changes), DriftJson.Options)!,
            Compatibility = compatibilityMode,
            Breaking = reader.GetBoolean(breaking),
            Action = driftAction,
            ContractViolations = JsonSerializer.Deserialize<List<string>>(reader.GetString(contractViolations))!,
            DetectedAt = reader.GetFieldValue<DateTimeOffset>(detectedAt),
            Dataset = reader.IsDBNull(datasetNamespace)
                ? null
                : new DriftDataset(reader.GetString(connector), reader.GetString(datasetNamespace), reader.GetString(datasetName)),
        };
    }
}
