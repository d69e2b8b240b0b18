using System.Diagnostics;
using ConnectorHealth.AppHost.Infrastructure;
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Infrastructure;

/// <summary>
/// A real PostgreSQL server of the machine's own, started the way the AppHost's local mode starts it
/// (same initdb and server command lines), on a free port with a throw-away data directory.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly string _root = TestDirectories.Create("postgres");
    private readonly string _password = Guid.NewGuid().ToString("N");
    private Process? _server;

    public int Port { get; } = TestPorts.Free();

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Database = database,
        Username = LocalPostgresResource.User,
        Password = _password,
        // Benchmarks and rollup checks may run long statements.
        CommandTimeout = 300,
    }.ConnectionString;

    public async Task InitializeAsync()
    {
        var binaries = new HostProbe().FindPostgres()
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found: run 'make test', which installs them.");
        var runAs = HostProbe.IsRoot ? LocalPostgres.SystemUser : null;
        var dataDirectory = Path.Combine(_root, "postgres");
        LocalPostgres.InitializeDataDirectory(binaries, _root, dataDirectory, _password, runAs);

        _server = TestProcess.Start(LocalPostgres.Server(binaries, dataDirectory, Port, runAs), _root);
        await TestProcess.WaitUntilReadyAsync(_server, async () =>
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
                await connection.OpenAsync();
                return true;
            }
            catch (NpgsqlException)
            {
                // Refused, or "the database system is starting up".
                return false;
            }
        }, TimeSpan.FromSeconds(60));
    }

    /// <summary>A new, empty database, so each test class starts from nothing.</summary>
    public async Task<NpgsqlDataSource> CreateDatabaseAsync(string prefix) =>
        NpgsqlDataSource.Create(await CreateDatabaseConnectionStringAsync(prefix));

    /// <summary>A new, empty database's connection string, for code that builds its own data source.</summary>
    public async Task<string> CreateDatabaseConnectionStringAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)];
        await using (var admin = NpgsqlDataSource.Create(ConnectionString("postgres")))
        {
            await admin.CreateCommand($"CREATE DATABASE \"{name}\"").ExecuteNonQueryAsync();
        }
        return ConnectionString(name);
    }

    public async Task DisposeAsync()
    {
        // SIGINT is PostgreSQL's fast shutdown: it ends the sessions and stops at once.
        await TestProcess.StopAsync(_server, signal: 2);
        TestDirectories.Delete(_root);
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
