using Npgsql;

namespace ConnectorHealth.Drift.Apis.Store;

/// <summary>Reads a column that may be NULL.</summary>
internal static class NullableColumns
{
    public static int? Int(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    public static DateTimeOffset? Instant(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
