using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Publishing;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Runner.Runs;

/// <summary>
/// Each connector's schedule in <c>runner.connector_slots</c>, which makes every scheduled slot run once whatever the
/// number of replicas: a slot is taken by moving <c>next_slot</c> on from it (compare and set, so one replica wins), and
/// it stays under way until its run is stored as pending in the same transaction that ends it.
/// </summary>
public sealed class ScheduleSlots(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The connector's slot state; a connector without one (new) starts at <paramref name="first"/>, and one whose
    /// schedule changed since its next slot was set starts again at <paramref name="first"/> unless a slot is under way.
    /// Null when the connector no longer exists.
    /// </summary>
    public async Task<SlotState?> ReadAsync(string connector, string schedule, DateTimeOffset first, CancellationToken cancellationToken)
    {
        // Read first: a plain read takes no row lock, and nearly every read finds the slot as it should be.
        if (await ReadRowAsync(connector, cancellationToken) is { } row && (row.Schedule == schedule || row.State.RunningId is not null))
        {
            return row.State;
        }
        await using var start = dataSource.CreateCommand(
            """
            INSERT INTO runner.connector_slots (connector, next_slot, schedule)
            SELECT $1, $3, $2 WHERE EXISTS (SELECT 1 FROM runner.connectors WHERE name = $1)
            ON CONFLICT (connector) DO UPDATE SET next_slot = excluded.next_slot, schedule = excluded.schedule
             WHERE runner.connector_slots.schedule <> excluded.schedule AND runner.connector_slots.running_id IS NULL
            """);
        start.Parameters.AddWithValue(connector);
        start.Parameters.AddWithValue(schedule);
        start.Parameters.Add(Timestamp(first));
        await start.ExecuteNonQueryAsync(cancellationToken);
        return (await ReadRowAsync(connector, cancellationToken))?.State;
    }

    private async Task<(SlotState State, string Schedule)?> ReadRowAsync(string connector, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT next_slot, running_due, running_id, schedule FROM runner.connector_slots WHERE connector = $1");
        command.Parameters.AddWithValue(connector);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return (new SlotState(reader.GetFieldValue<DateTimeOffset>(0),
            reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
            reader.IsDBNull(2) ? null : reader.GetGuid(2)), reader.GetString(3));
    }

    /// <summary>The run id of the connector's slot under way, if one is.</summary>
    public async Task<Guid?> RunningIdAsync(string connector, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT running_id FROM runner.connector_slots WHERE connector = $1");
        command.Parameters.AddWithValue(connector);
        return await command.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    /// <summary>Takes the slot due at <paramref name="due"/> for <paramref name="runId"/>, moving the schedule on to <paramref name="after"/>. False: another replica took it.</summary>
    public async Task<bool> ClaimAsync(string connector, DateTimeOffset due, DateTimeOffset after, Guid runId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE runner.connector_slots SET next_slot = $3, running_due = $2, running_id = $4
             WHERE connector = $1 AND next_slot = $2 AND running_id IS NULL
            """);
        command.Parameters.AddWithValue(connector);
        command.Parameters.Add(Timestamp(due));
        command.Parameters.Add(Timestamp(after));
        command.Parameters.AddWithValue(runId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Moves the schedule past slots a run that overran its own slot missed (they are not run late).</summary>
    public async Task SkipAsync(string connector, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE runner.connector_slots SET next_slot = $3 WHERE connector = $1 AND next_slot = $2 AND next_slot < $3");
        command.Parameters.AddWithValue(connector);
        command.Parameters.Add(Timestamp(from));
        command.Parameters.Add(Timestamp(to));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Ends a slot under way: its run becomes pending (held by this replica for <paramref name="holdFor"/>, which is
    /// about to publish it) in the same transaction, so a replica that dies leaves either the run or the slot, never neither.
    /// </summary>
    public async Task CompleteAsync(PendingRun run, TimeSpan holdFor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await PendingRunStore.InsertPendingAsync(connection, transaction, [run], holdFor, cancellationToken);
        await using var end = new NpgsqlCommand(
            "UPDATE runner.connector_slots SET running_due = NULL, running_id = NULL WHERE connector = $1 AND running_id = $2",
            connection, transaction);
        end.Parameters.AddWithValue(run.Run.Connector);
        end.Parameters.AddWithValue(run.Run.RunId);
        await end.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static NpgsqlParameter Timestamp(DateTimeOffset value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
