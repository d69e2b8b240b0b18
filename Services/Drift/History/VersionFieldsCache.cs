using System.Collections.Concurrent;
using ConnectorHealth.Drift.Schemas;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Drift.History;

/// <summary>
/// The fields of stored schema versions, which never change once written: read from the database once and kept
/// (bounded), so describing a change costs no round trip for versions seen before.
/// </summary>
public sealed class VersionFieldsCache
{
    private const int Capacity = 20_000;
    private readonly ConcurrentDictionary<(string Connector, int Version), IReadOnlyList<FieldSchema>> _fields = new();

    public IReadOnlyList<FieldSchema> Get(string connector, int version) =>
        _fields.TryGetValue((connector, version), out var fields)
            ? fields
            : throw new InvalidOperationException($"Version {version} of {connector} was not loaded.");

    public async Task LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<(string Connector, int Version)> versions,
        CancellationToken cancellationToken)
    {
        var missing = versions.Where(v => !_fields.ContainsKey(v)).ToArray();
        if (missing.Length == 0)
        {
            return;
        }
        if (_fields.Count + missing.Length > Capacity)
        {
            _fields.Clear();
        }
        await using var command = new NpgsqlCommand(
            """
            SELECT v.connector, v.version, v.fields::text FROM drift.schema_versions v
            JOIN unnest($1::text[], $2::integer[]) AS k(connector, version) USING (connector, version)
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = missing.Select(m => m.Connector).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = missing.Select(m => m.Version).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            _fields[(reader.GetString(0), reader.GetInt32(1))] = StoredFields.Deserialize(reader.GetString(2));
        }
    }
}
