using Microsoft.Extensions.Options;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Publishing;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Runner.Reports;

/// <summary>The reported runs' ledger: each run id accepted once, with the fingerprint of what was reported under it.</summary>
public sealed class ReportStore(NpgsqlDataSource dataSource, IOptions<RunnerOptions> options)
{
    /// <summary>
    /// Accepts a reported run once. In the same transaction the run becomes pending, so an accepted report is
    /// published even if the runner stops before the broker confirms it.
    /// </summary>
    public async Task<ReportOutcome> AcceptReportAsync(RunCompleted run, byte[] fingerprint, string? traceParent, CancellationToken cancellationToken) =>
        (await AcceptReportsAsync([new ReportToStore(run, fingerprint, traceParent)], cancellationToken))[0];

    /// <summary>
    /// Stores reports in one transaction, each answered as if alone: accepted (its run id new: recorded and pending
    /// publication), already accepted (the same content under that id, earlier or in this group), or in conflict
    /// (different content under an id already taken). All or nothing: a failure stores none of them.
    /// </summary>
    public async Task<ReportOutcome[]> AcceptReportsAsync(IReadOnlyList<ReportToStore> reports, CancellationToken cancellationToken)
    {
        // The first report of each run id in the group claims it; any later one is judged against what is stored then.
        var firsts = reports.DistinctBy(r => r.Run.RunId).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var claimed = new HashSet<Guid>();
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO runner.reported_runs (run_id, connector, fingerprint)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[])
            ON CONFLICT (run_id) DO NOTHING
            RETURNING run_id
            """, connection, transaction))
        {
            insert.Parameters.Add(Column(firsts.Select(r => r.Run.RunId).ToArray(), NpgsqlDbType.Uuid));
            insert.Parameters.Add(Column(firsts.Select(r => r.Run.Connector).ToArray(), NpgsqlDbType.Text));
            insert.Parameters.Add(Column(firsts.Select(r => r.Fingerprint).ToArray(), NpgsqlDbType.Bytea));
            // Prepared explicitly, not automatically: a connector name PostgreSQL refuses at Bind (a NUL) must not leave
            // the statement half-prepared for the next report on this connection (npgsql/npgsql#6391).
            await insert.PrepareAsync(cancellationToken);
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                claimed.Add(reader.GetGuid(0));
            }
        }

        // What every run id of the group is stored with now: the earlier report's fingerprint, or the one just claimed.
        var stored = firsts.Where(r => claimed.Contains(r.Run.RunId)).ToDictionary(r => r.Run.RunId, r => r.Fingerprint);
        var taken = firsts.Where(r => !claimed.Contains(r.Run.RunId)).Select(r => r.Run.RunId).ToArray();
        if (taken.Length > 0)
        {
            await using var earlier = new NpgsqlCommand(
                "SELECT run_id, fingerprint FROM runner.reported_runs WHERE run_id = ANY($1)", connection, transaction);
            earlier.Parameters.AddWithValue(taken);
            await using var reader = await earlier.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stored[reader.GetGuid(0)] = reader.GetFieldValue<byte[]>(1);
            }
        }

        var accepted = firsts.Where(r => claimed.Contains(r.Run.RunId)).ToList();
        if (accepted.Count > 0)
        {
            var now = DateTimeOffset.UtcNow;
            await PendingRunStore.InsertPendingAsync(connection, transaction, [.. accepted.Select(r => new PendingRun(r.Run, r.TraceParent, Stored: true, now))], options.Value.FailoverAfter, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);

        var answered = new HashSet<Guid>();
        return [.. reports.Select(r =>
            claimed.Contains(r.Run.RunId) && answered.Add(r.Run.RunId) ? ReportOutcome.Accepted
            : stored.TryGetValue(r.Run.RunId, out var fingerprint) && fingerprint.AsSpan().SequenceEqual(r.Fingerprint) ? ReportOutcome.AlreadyAccepted
            : ReportOutcome.ConflictsWithEarlierReport)];
    }
}
