using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHealth.Runner.Connectors.Secrets;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Runner.Connectors;

/// <summary>What a write to a connector came to.</summary>
public enum ConnectorWrite
{
    Created,
    Replaced,
    Updated,
    Deleted,
    NotFound,

    /// <summary>The connector is defined in configuration, which wins: it is changed there, not through the API.</summary>
    DefinedInConfiguration,
}

/// <summary>
/// The connectors as data (<c>runner.connectors</c>): written by the API and by the configured catalog's seeding, read by
/// every replica's <see cref="ConnectorCatalogSync"/>. Each write takes a new revision, which is how replicas see it.
/// </summary>
public sealed class ConnectorStore(NpgsqlDataSource dataSource, ConnectorSecrets secrets)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Seeding replicas that start together take turns (a transaction-scoped advisory lock).
    private const long SeedLock = 0x636f6e6e_00000001;

    /// <summary>
    /// Makes the table hold the configured catalog: each configured connector is written where it differs (an API
    /// connector of the same name becomes configuration's), and configuration's connectors it no longer names are removed.
    /// A pause made through the API stays until configuration changes its own <c>Enabled</c>.
    /// </summary>
    public async Task<int> SeedAsync(IReadOnlyDictionary<string, ConnectorOptions> configured, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SeedLock})", connection, transaction))
        {
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        var current = new Dictionary<string, (string Definition, string? Secret, string Origin, bool? ConfiguredEnabled)>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand(
            "SELECT name, definition::text, secret, origin, configured_enabled FROM runner.connectors WHERE name = ANY($1) OR origin = 'configuration'",
            connection, transaction))
        {
            read.Parameters.AddWithValue(configured.Keys.ToArray());
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                current[reader.GetString(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetBoolean(4));
            }
        }

        var written = 0;
        foreach (var (name, options) in configured)
        {
            var definition = Definition(options);
            if (current.TryGetValue(name, out var row) && row.Origin == ConnectorOrigins.Configuration
                && row.ConfiguredEnabled == options.Enabled && JsonNode.DeepEquals(JsonNode.Parse(row.Definition), JsonNode.Parse(definition))
                && SecretOf(row.Secret) == options.Http?.SecretValue)
            {
                continue;
            }
            await using var upsert = new NpgsqlCommand(
                """
                INSERT INTO runner.connectors AS c (name, definition, secret, origin, enabled, configured_enabled)
                VALUES ($1, $2::jsonb, $3, 'configuration', $4, $4)
                ON CONFLICT (name) DO UPDATE
                   SET definition = excluded.definition, secret = excluded.secret, origin = 'configuration',
                       enabled = CASE WHEN c.origin = 'configuration' AND c.configured_enabled = excluded.configured_enabled
                                      THEN c.enabled ELSE excluded.enabled END,
                       configured_enabled = excluded.configured_enabled,
                       revision = nextval('runner.connector_revisions'), updated_at = now()
                """, connection, transaction);
            upsert.Parameters.AddWithValue(name);
            upsert.Parameters.AddWithValue(definition);
            upsert.Parameters.Add(Text(options.Http?.SecretValue is { } secret ? secrets.Protect(secret) : null));
            upsert.Parameters.AddWithValue(options.Enabled);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
            written++;
        }

        var gone = current.Where(c => c.Value.Origin == ConnectorOrigins.Configuration && !configured.ContainsKey(c.Key)).Select(c => c.Key).ToArray();
        if (gone.Length > 0)
        {
            await using var delete = new NpgsqlCommand("DELETE FROM runner.connectors WHERE name = ANY($1) AND origin = 'configuration'", connection, transaction);
            delete.Parameters.AddWithValue(gone);
            written += await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return written;
    }

    /// <summary>Every connector's revision: what a replica compares with what it holds.</summary>
    public async Task<Dictionary<string, long>> LoadRevisionsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT name, revision FROM runner.connectors");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var revisions = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            revisions[reader.GetString(0)] = reader.GetInt64(1);
        }
        return revisions;
    }

    public async Task<List<StoredConnector>> LoadAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT name, definition::text, secret, origin, enabled, revision, created_at, updated_at
              FROM runner.connectors WHERE name = ANY($1)
            """);
        command.Parameters.AddWithValue(names.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var connectors = new List<StoredConnector>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var name = reader.GetString(0);
            var (options, problem) = Read(name, reader.GetString(1));
            options.Enabled = reader.GetBoolean(4);
            if (!reader.IsDBNull(2) && options.Http is { } http)
            {
                http.SecretValue = SecretOf(reader.GetString(2));
                problem ??= http.SecretValue is null ? "its secret header value cannot be read (the key it was protected with is gone); set it again with PUT" : null;
            }
            connectors.Add(new StoredConnector(name, options, reader.GetString(3), reader.GetInt64(5),
                reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7), problem));
        }
        return connectors;
    }

    /// <summary>
    /// Creates or replaces an API connector. A definition that keeps the same secret header but sends no value keeps the
    /// stored value, so an edit need not know the secret.
    /// </summary>
    public async Task<ConnectorWrite> PutAsync(string name, ConnectorOptions options, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var existing = await LockAsync(connection, transaction, name, cancellationToken);
        if (existing?.Origin == ConnectorOrigins.Configuration)
        {
            return ConnectorWrite.DefinedInConfiguration;
        }
        var secret = options.Http?.SecretValue is { } value ? secrets.Protect(value)
            : options.Http?.SecretHeader is { } header && existing is { Secret: { } kept, SecretHeader: var keptHeader }
              && string.Equals(header, keptHeader, StringComparison.OrdinalIgnoreCase) ? kept
            : null;
        await using var upsert = new NpgsqlCommand(
            """
            INSERT INTO runner.connectors AS c (name, definition, secret, origin, enabled)
            VALUES ($1, $2::jsonb, $3, 'api', $4)
            ON CONFLICT (name) DO UPDATE
               SET definition = excluded.definition, secret = excluded.secret, enabled = excluded.enabled,
                   revision = nextval('runner.connector_revisions'), updated_at = now()
            """, connection, transaction);
        upsert.Parameters.AddWithValue(name);
        upsert.Parameters.AddWithValue(Definition(options));
        upsert.Parameters.Add(Text(secret));
        upsert.Parameters.AddWithValue(options.Enabled);
        await upsert.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return existing is null ? ConnectorWrite.Created : ConnectorWrite.Replaced;
    }

    /// <summary>Whether a connector's definition would keep a secret it does not send (the same secret header, a value stored).</summary>
    public async Task<bool> HasSecretAsync(string name, string secretHeader, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT secret IS NOT NULL AND lower(definition #>> '{http,secretHeader}') = lower($2) FROM runner.connectors WHERE name = $1");
        command.Parameters.AddWithValue(name);
        command.Parameters.AddWithValue(secretHeader);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>Pauses or resumes a connector, from configuration or the API.</summary>
    public async Task<ConnectorWrite> SetEnabledAsync(string name, bool enabled, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE runner.connectors
               SET enabled = $2, definition = jsonb_set(definition, '{enabled}', to_jsonb($2)),
                   revision = nextval('runner.connector_revisions'), updated_at = now()
             WHERE name = $1
            """);
        command.Parameters.AddWithValue(name);
        command.Parameters.AddWithValue(enabled);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1 ? ConnectorWrite.Updated : ConnectorWrite.NotFound;
    }

    /// <summary>Deletes an API connector and its schedule; its runs, drift history and alerts stay where they are kept.</summary>
    public async Task<ConnectorWrite> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var existing = await LockAsync(connection, transaction, name, cancellationToken);
        if (existing is null)
        {
            return ConnectorWrite.NotFound;
        }
        if (existing.Origin == ConnectorOrigins.Configuration)
        {
            return ConnectorWrite.DefinedInConfiguration;
        }
        await using var delete = new NpgsqlCommand("DELETE FROM runner.connectors WHERE name = $1", connection, transaction);
        delete.Parameters.AddWithValue(name);
        await delete.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ConnectorWrite.Deleted;
    }

    private sealed record Existing(string Origin, string? Secret, string? SecretHeader);

    private static async Task<Existing?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT origin, secret, definition #>> '{http,secretHeader}' FROM runner.connectors WHERE name = $1 FOR UPDATE",
            connection, transaction);
        command.Parameters.AddWithValue(name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new Existing(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : null;
    }

    /// <summary>
    /// A stored definition read back and checked again by today's rules: one that no longer reads or no longer passes
    /// (written by an older version, or by hand) is listed with its problem and not scheduled, never left to break the
    /// reading of the others.
    /// </summary>
    private static (ConnectorOptions Options, string? Problem) Read(string name, string definition)
    {
        ConnectorOptions options;
        try
        {
            options = JsonSerializer.Deserialize<ConnectorOptions>(definition, Json) ?? throw new JsonException("null definition");
        }
        catch (JsonException ex)
        {
            return (new ConnectorOptions { Kind = "", Retry = new RetryOptions() }, $"its stored definition cannot be read ({ex.Message}); set it again with PUT");
        }
        // The secret's value is not in the definition: its rule is checked where the secret is read.
        var problems = ConnectorRules.Problems(name, options).Where(p => p.Field != "Http:SecretValue").ToList();
        return (options, problems.Count == 0 ? null : "its stored definition breaks the rules: " + string.Join(" ", problems.Select(p => p.Message.Trim())));
    }

    /// <summary>The stored definition: the settings without the secret's value, which is kept protected beside it.</summary>
    private static string Definition(ConnectorOptions options)
    {
        var node = JsonSerializer.SerializeToNode(options, Json)!.AsObject();
        if (node["http"] is JsonObject http)
        {
            http.Remove("secretValue");
        }
        return node.ToJsonString();
    }

    /// <summary>The secret read back; null when there is none or it cannot be read (its key is gone).</summary>
    private string? SecretOf(string? protectedSecret)
    {
        if (protectedSecret is null)
        {
            return null;
        }
        try
        {
            return secrets.Unprotect(protectedSecret);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };
}
