using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Routes;
using ConnectorHealth.Alerting.Silences;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Alerting.Evaluation;

/// <summary>An alert that is firing or acknowledged, as the evaluation needs it.</summary>
internal sealed record OpenAlert(
    long AlertId, string Fingerprint, string Connector, string Rule, Severity Severity, DateTimeOffset? ClearSince, bool Flapping,
    long? CausedBy = null);

/// <summary>The open alerts of the connectors being evaluated, and the silences in force.</summary>
internal sealed class EvaluationContext
{
    public List<OpenAlert> OpenAlerts { get; } = [];
    public List<Silence> Silences { get; } = [];
    public Dictionary<string, (string? Owner, string[]? Tags)> Owners { get; } = new(StringComparer.Ordinal);

    /// <summary>The open upstream alerts the open alerts here are caused by (<see cref="OpenAlert.CausedBy"/>), by id.</summary>
    public Dictionary<long, (string Connector, string Rule)> OpenCauses { get; } = [];

    /// <summary>What routes match the alert on.</summary>
    public AlertLabels LabelsOf(OpenAlert alert)
    {
        var (owner, tags) = Owners.GetValueOrDefault(alert.Connector);
        return new AlertLabels(alert.Connector, alert.Rule, alert.Severity, owner, tags ?? [], alert.Fingerprint);
    }

    public static async Task<EvaluationContext> LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string[] connectors, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var context = new EvaluationContext();
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            $"""
            SELECT {OpenAlertRows.Columns} FROM alerting.alerts
            WHERE connector = ANY($1) AND state <> 'resolved'
            """, Column(connectors, NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            $"SELECT {SilenceRows.Columns} FROM alerting.silences WHERE starts_at <= $1 AND ends_at > $1",
            Instant(now)));
        batch.BatchCommands.Add(Command(ConnectorOwners.Select, Column(connectors, NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            """
            SELECT DISTINCT c.alert_id, c.connector, c.rule FROM alerting.alerts a JOIN alerting.alerts c ON c.alert_id = a.caused_by_alert_id
            WHERE a.connector = ANY($1) AND a.state <> 'resolved' AND c.state <> 'resolved'
            """, Column(connectors, NpgsqlDbType.Text)));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            context.OpenAlerts.Add(OpenAlertRows.Read(reader));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            context.Silences.Add(SilenceRows.Read(reader));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ConnectorOwners.Read(reader, context.Owners);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            context.OpenCauses[reader.GetInt64(0)] = (reader.GetString(1), reader.GetString(2));
        }
        return context;
    }
}

/// <summary>Reads <see cref="OpenAlert"/>s from <c>alerting.alerts</c>.</summary>
internal static class OpenAlertRows
{
    public const string Columns = "alert_id, fingerprint, connector, rule, severity, clear_since, flapping, caused_by_alert_id";

    private const int IdColumn = 0;
    private const int FingerprintColumn = 1;
    private const int ConnectorColumn = 2;
    private const int RuleColumn = 3;
    private const int SeverityColumn = 4;
    private const int ClearSinceColumn = 5;
    private const int FlappingColumn = 6;
    private const int CausedByColumn = 7;

    public static OpenAlert Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(IdColumn),
        reader.GetString(FingerprintColumn),
        reader.GetString(ConnectorColumn),
        reader.GetString(RuleColumn),
        SeverityNames.Parse(reader.GetString(SeverityColumn)),
        reader.IsDBNull(ClearSinceColumn) ? null : reader.GetFieldValue<DateTimeOffset>(ClearSinceColumn),
        reader.GetBoolean(FlappingColumn),
        reader.IsDBNull(CausedByColumn) ? null : reader.GetInt64(CausedByColumn));
}
