using ConnectorHealth.Alerting.Alerts;
using Npgsql;

namespace ConnectorHealth.Alerting.Silences;

/// <summary>Reads silences stored in <c>alerting.silences</c> (columns in table order).</summary>
public static class SilenceRows
{
    public const string Columns = "silence_id, connector, rule, severity, starts_at, ends_at, author, comment";

    private const int IdColumn = 0;
    private const int ConnectorColumn = 1;
    private const int RuleColumn = 2;
    private const int SeverityColumn = 3;
    private const int StartsAtColumn = 4;
    private const int EndsAtColumn = 5;
    private const int AuthorColumn = 6;
    private const int CommentColumn = 7;

    public static Silence Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(IdColumn),
        reader.IsDBNull(ConnectorColumn) ? null : reader.GetString(ConnectorColumn),
        reader.IsDBNull(RuleColumn) ? null : reader.GetString(RuleColumn),
        reader.IsDBNull(SeverityColumn) ? null : SeverityNames.Parse(reader.GetString(SeverityColumn)),
        reader.GetFieldValue<DateTimeOffset>(StartsAtColumn),
        reader.GetFieldValue<DateTimeOffset>(EndsAtColumn),
        reader.GetString(AuthorColumn),
        reader.GetString(CommentColumn));
}
