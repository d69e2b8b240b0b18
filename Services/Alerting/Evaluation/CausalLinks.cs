using ConnectorHealth.Alerting.Rules;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Alerting.Evaluation;

/// <summary>
/// Links alerts along the lineage graph (<c>alerting.job_outputs</c>, <c>alerting.job_inputs</c>): a job that reads a
/// dataset another job writes is downstream of it, and while the upstream job's failure alert is open, the downstream
/// job's freshness, volume and stuck_run alerts are its consequences — linked to it (<c>causedBy</c>; the failure
/// lists them as its <c>impact</c>) and not notified while it is open. One hop: a consequence is not itself a cause.
/// </summary>
internal static class CausalLinks
{
    /// <summary>The rule whose alert is a cause: the job's runs fail.</summary>
    public const string CauseRule = RuleNames.ConsecutiveFailures;

    /// <summary>The rules whose alerts an upstream failure explains: nothing fresh arrives, too little is written, a run waits.</summary>
    public static readonly IReadOnlyList<string> ConsequenceRules = [RuleNames.Freshness, RuleNames.Volume, RuleNames.StuckRun];

    /// <summary>
    /// At an alert's raise: a consequence is linked to its upstream's open failure alert (returned, and noted in the
    /// context so its notification is held); a failure links the open, unlinked consequences downstream of it.
    /// </summary>
    public static async Task<long?> LinkAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EvaluationContext context, string connector, string rule, long alertId,
        CancellationToken cancellationToken)
    {
        if (rule == CauseRule)
        {
            // Their notifications went out already, or are held for another reason; the link says why they happened.
            await using var link = new NpgsqlCommand(
                """
                UPDATE alerting.alerts a SET caused_by_alert_id = $2
                WHERE a.state <> 'resolved' AND a.caused_by_alert_id IS NULL AND a.rule = ANY($3) AND a.connector <> $1
                  AND a.connector IN (SELECT i.connector FROM alerting.job_outputs o JOIN alerting.job_inputs i USING (dataset_key)
                                      WHERE o.connector = $1)
                """, connection, transaction);
            link.Parameters.AddWithValue(connector);
            link.Parameters.Add(new NpgsqlParameter { Value = alertId, NpgsqlDbType = NpgsqlDbType.Bigint });
            link.Parameters.Add(new NpgsqlParameter { Value = ConsequenceRules.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await link.ExecuteNonQueryAsync(cancellationToken);
            return null;
        }
        if (!ConsequenceRules.Contains(rule))
        {
            return null;
        }
        await using var cause = new NpgsqlCommand(
            """
            SELECT f.alert_id, f.connector, f.rule
            FROM alerting.job_inputs i JOIN alerting.job_outputs o ON o.dataset_key = i.dataset_key AND o.connector <> i.connector
            JOIN alerting.alerts f ON f.connector = o.connector AND f.rule = $2 AND f.state <> 'resolved'
            WHERE i.connector = $1
            ORDER BY f.created_at, f.alert_id LIMIT 1
            """, connection, transaction);
        cause.Parameters.AddWithValue(connector);
        cause.Parameters.AddWithValue(CauseRule);
        await using var reader = await cause.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var causeId = reader.GetInt64(0);
        context.OpenCauses[causeId] = (reader.GetString(1), reader.GetString(2));
        return causeId;
    }
}
