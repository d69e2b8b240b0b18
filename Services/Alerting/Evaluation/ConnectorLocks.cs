using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Alerting.Evaluation;

/// <summary>
/// Per-connector advisory locks for the rest of a transaction, taken in key order so two replicas locking overlapping
/// sets cannot deadlock: one evaluation of a connector at a time, on any replica.
/// </summary>
internal static class ConnectorLocks
{
    public static async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] connectors, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT count(*) FROM (
                SELECT pg_advisory_xact_lock(hashtext('alerting.connector'), k)
                FROM (SELECT DISTINCT hashtext(c) AS k FROM unnest($1::text[]) AS c ORDER BY k) keys
            ) locked
            """, connection, transaction);
        command.Parameters.Add(Column(connectors, NpgsqlDbType.Text));
        await command.ExecuteScalarAsync(cancellationToken);
    }
}
