using Npgsql;

namespace ConnectorHealth.Alerting.Notifications;

/// <summary>Reads <see cref="AlertBody"/>s from <c>alerting.alerts</c> (aliased <c>a</c>).</summary>
internal static class AlertBodies
{
    public const string Columns =
        "a.alert_id, a.connector, a.rule, a.severity, a.state, a.message, a.recommended_action, a.occurrences, a.first_seen, a.last_seen, "
        + "a.previous_alert_id, a.resolved_at";

    public static AlertBody Read(NpgsqlDataReader reader, int first) => new(
        reader.GetInt64(first), reader.GetString(first + 1), reader.GetString(first + 2), reader.GetString(first + 3),
        reader.GetString(first + 4), reader.GetString(first + 5), reader.GetString(first + 6), reader.GetInt32(first + 7),
        reader.GetFieldValue<DateTimeOffset>(first + 8), reader.GetFieldValue<DateTimeOffset>(first + 9),
        reader.IsDBNull(first + 10) ? null : reader.GetInt64(first + 10),
        reader.IsDBNull(first + 11) ? null : reader.GetFieldValue<DateTimeOffset>(first + 11));
}
