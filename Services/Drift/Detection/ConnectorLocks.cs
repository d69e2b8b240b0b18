using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Drift.Detection;

/// <summary>
/// Per-connector advisory locks, held to the end of the transaction and taken in key order, so replicas never deadlock
/// and each connector's history is written by one batch at a time.
/// </summary>
internal static class ConnectorLocks
{
    public static async Task LockAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string[] connectors, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(LockCommand(connectors));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The lock as a command, to go first in a batch of reads.</summary>
    public static NpgsqlBatchCommand LockCommand(string[] connectors) => Command(
        """
        SELECT count(*) FROM (
            SELECT pg_advisory_xact_lock(hashtext('drift.connector'), k)
            FROM (SELECT DISTINCT hashtext(c) AS k FROM unnest($1::text[]) AS c ORDER BY k) keys
        ) locked
        """,
        Column(connectors, NpgsqlDbType.Text));
}
