using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Alerting.Evaluation;

/// <summary>Each connector's owner and tags as its latest run said them (<c>alerting.connectors</c>).</summary>
internal static class ConnectorOwners
{
    /// <summary>The owners of the connectors in <c>$1</c> (a text array).</summary>
    public const string Select = "SELECT connector, owner, tags FROM alerting.connectors WHERE connector = ANY($1)";

    public static void Read(NpgsqlDataReader reader, Dictionary<string, (string? Owner, string[]? Tags)> owners) =>
        owners[reader.GetString(0)] = (reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<string[]>(2));

    public static async Task<Dictionary<string, (string? Owner, string[]? Tags)>> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string[] connectors, CancellationToken cancellationToken)
    {
        var owners = new Dictionary<string, (string? Owner, string[]? Tags)>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(Select, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = connectors, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            Read(reader, owners);
        }
        return owners;
    }
}
