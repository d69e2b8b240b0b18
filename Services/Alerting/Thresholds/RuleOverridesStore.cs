using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Alerting.Thresholds;

/// <summary>Connectors' thresholds set through the API, stored as the JSON of <see cref="RuleOverrides"/>.</summary>
public sealed class RuleOverridesStore(NpgsqlDataSource dataSource)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<Dictionary<string, RuleOverrides>> LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<string> connectors, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT connector, overrides::text FROM alerting.connector_rules WHERE connector = ANY($1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = connectors.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var overrides = new Dictionary<string, RuleOverrides>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            overrides[reader.GetString(0)] = JsonSerializer.Deserialize<RuleOverrides>(reader.GetString(1), Json)!;
        }
        return overrides;
    }

    /// <summary>Every connector with thresholds set through the API.</summary>
    public async Task<Dictionary<string, RuleOverrides>> AllAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT connector, overrides::text FROM alerting.connector_rules ORDER BY connector");
        var overrides = new Dictionary<string, RuleOverrides>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            overrides[reader.GetString(0)] = JsonSerializer.Deserialize<RuleOverrides>(reader.GetString(1), Json)!;
        }
        return overrides;
    }

    /// <summary>
    /// Stores a connector's thresholds; false when they were stored already. The upsert changes the row only when the
    /// thresholds differ, so of many identical calls at once (on any replica) one writes and the others change nothing.
    /// </summary>
    public async Task<bool> SetAsync(string connector, RuleOverrides overrides, string by, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO alerting.connector_rules (connector, overrides, updated_by) VALUES ($1, $2::jsonb, $3)
            ON CONFLICT (connector) DO UPDATE SET overrides = excluded.overrides, updated_by = excluded.updated_by, updated_at = now()
            WHERE connector_rules.overrides IS DISTINCT FROM excluded.overrides
            RETURNING connector
            """);
        command.Parameters.AddWithValue(connector);
        command.Parameters.AddWithValue(JsonSerializer.Serialize(overrides, Json));
        command.Parameters.AddWithValue(by);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>Removes a connector's thresholds; false when there were none (or another call removed them first).</summary>
    public async Task<bool> DeleteAsync(string connector, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM alerting.connector_rules WHERE connector = $1");
        command.Parameters.AddWithValue(connector);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
