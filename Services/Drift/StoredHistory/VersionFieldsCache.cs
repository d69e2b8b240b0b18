using System.Collections.Concurrent;
using ConnectorHealth.Drift.Schemas;
using ConnectorHealth.ServiceDefaults;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Drift.StoredHistory;

/// <summary>
/// The fields of stored schema versions, which never change once written: read from the database once and kept
/// (bounded), so describing a change costs no round trip for versions seen before. Each load answers with the versions
/// asked for: a batch reads its own answer, never the shared cache, which another batch may clear meanwhile.
/// </summary>
public sealed class VersionFieldsCache : IMeasuredCache
{
    private const int MaxEntries = 20_000;
    private readonly ConcurrentDictionary<(string Connector, int Version), IReadOnlyList<FieldSchema>> _fields = new();

    public string CacheName => "drift.version-fields";

    public long Entries => _fields.Count;

    public long? Capacity => MaxEntries;

    /// <summary>The fields of each stored version among <paramref name="versions"/> (a version not stored is absent).</summary>
    public async Task<IReadOnlyDictionary<(string Connector, int Version), IReadOnlyList<FieldSchema>>> LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<(string Connector, int Version)> versions,
        CancellationToken cancellationToken)
    {
        var found = new Dictionary<(string Connector, int Version), IReadOnlyList<FieldSchema>>();
        var missing = new List<(string Connector, int Version)>();
        foreach (var version in versions.Distinct())
        {
            if (_fields.TryGetValue(version, out var known))
            {
                found[version] = known;
            }
            else
            {
                missing.Add(version);
            }
        }
        if (missing.Count == 0)
        {
            return found;
        }
        if (_fields.Count + missing.Count > MaxEntries)
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
            var key = (reader.GetString(0), reader.GetInt32(1));
            var fields = StoredFields.Deserialize(reader.GetString(2));
            found[key] = fields;
            _fields[key] = fields;
        }
        return found;
    }
}
