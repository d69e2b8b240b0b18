using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ConnectorHealth.AppHost.Infrastructure;

/// <summary>The machine's PostgreSQL server, run by the AppHost; its connection string points at the application database.</summary>
public sealed class LocalPostgresResource(string name, string command, string workingDirectory, int port, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string User = "postgres";

    public int Port { get; } = port;

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Database={ResourceNames.Database};Username={User};Password={Password}");
}

public static class LocalPostgres
{
    /// <summary>PostgreSQL refuses to run as root: as root, everything runs as this system user.</summary>
    public const string SystemUser = "postgres";

    public static LaunchSpec Initdb(PostgresBinaries binaries, string dataDirectory, string passwordFile, string? runAs) =>
        AsUser(runAs, binaries.Initdb,
        [
            "--pgdata", dataDirectory,
            "--username", LocalPostgresResource.User,
            "--pwfile", passwordFile,
            "--auth-host", "scram-sha-256",
            "--auth-local", "scram-sha-256",
            "--encoding", "UTF8",
            "--no-locale",
            "--no-instructions",
        ]);

    public static LaunchSpec Server(PostgresBinaries binaries, string dataDirectory, int port, string? runAs) =>
        AsUser(runAs, binaries.Postgres,
        [
            "-D", dataDirectory,
            "-p", port.ToString(CultureInfo.InvariantCulture),
            // Loopback TCP only: no Unix socket, so nothing depends on /var/run/postgresql.
            "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_directories=",
            "-c", "logging_collector=off",
        ]);

    /// <summary>Runs a program as <paramref name="user"/> without an intermediate process, so signals reach it directly.</summary>
    public static LaunchSpec AsUser(string? user, string program, IReadOnlyList<string> args) =>
        user is null
            ? new LaunchSpec(program, args)
            : new LaunchSpec("setpriv", [$"--reuid={user}", $"--regid={user}", "--init-groups", "--", program, .. args]);

    /// <summary>
    /// Adds the local PostgreSQL server. On first use its data directory is created with initdb and a generated
    /// password kept beside the data, so the data and its credentials stay together across restarts.
    /// </summary>
    public static IResourceBuilder<LocalPostgresResource> AddLocalPostgres(
        this IDistributedApplicationBuilder builder, PostgresBinaries binaries, LocalOptions options, string dataRoot)
    {
        var runAs = HostProbe.IsRoot ? SystemUser : null;
        var dataDirectory = Path.Combine(dataRoot, "postgres");
        var password = LocalSecrets.ReadOrCreate(Path.Combine(dataRoot, "postgres.password"));

        if (builder.ExecutionContext.IsRunMode)
        {
            Ports.EnsureFree(options.PostgresPort, "Infrastructure:Local:PostgresPort", "PostgreSQL",
                Path.Combine(dataDirectory, "postmaster.pid"));
            InitializeDataDirectory(binaries, dataRoot, dataDirectory, password, runAs);
        }

        var passwordParameter = builder.AddParameter($"{ResourceNames.Postgres}-password", password, secret: true);
        var server = Server(binaries, dataDirectory, options.PostgresPort, runAs);
        var resource = new LocalPostgresResource(ResourceNames.Postgres, server.Command, dataRoot, options.PostgresPort, passwordParameter.Resource);

        var healthCheckKey = $"{ResourceNames.Postgres}-ready";
        var readyCheck = new PostgresReadyHealthCheck(options.PostgresPort, password);
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            _ => readyCheck,
            failureStatus: default,
            tags: default));

        return builder.AddResource(resource)
            .WithArgs([.. server.Args])
            .WithHealthCheck(healthCheckKey)
            .ExcludeFromManifest();
    }

    internal static void InitializeDataDirectory(
        PostgresBinaries binaries, string dataRoot, string dataDirectory, string password, string? runAs)
    {
        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            return;
        }

        Directory.CreateDirectory(dataDirectory);
        var passwordFile = Path.Combine(dataRoot, $".initdb-{Guid.NewGuid():N}");
        File.WriteAllText(passwordFile, password);
        try
        {
            if (runAs is not null)
            {
                Chown(runAs, dataDirectory, passwordFile);
            }

            var initdb = Initdb(binaries, dataDirectory, passwordFile, runAs);
            var result = HostCommand.Run(initdb.Command, initdb.Args, TimeSpan.FromMinutes(2), workingDirectory: dataRoot);
            if (result.ExitCode != 0)
            {
                var hint = runAs is null ? "" :
                    $" As root, PostgreSQL runs as the '{runAs}' user, who must be able to reach {dataDirectory}: "
                    + "set Infrastructure:Local:DataDirectory to a directory it can reach if this one is under a private home.";
                throw new InfrastructureException(
                    $"initdb failed for {dataDirectory} (exit {result.ExitCode}): {result.Output.Trim()}{hint}");
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private static void Chown(string user, params string[] paths)
    {
        var result = HostCommand.Run("chown", ["-R", $"{user}:{user}", .. paths], TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
        {
            throw new InfrastructureException($"Could not hand {string.Join(", ", paths)} to the '{user}' user: {result.Output.Trim()}");
        }
    }
}

/// <summary>
/// Healthy when the server accepts the application's credentials and the application database answers a query.
/// The database is created here on first start, the way Aspire's own PostgreSQL integration creates its databases
/// once the server is up.
/// </summary>
internal sealed class PostgresReadyHealthCheck(int port, string password) : IHealthCheck
{
    private bool _databaseExists;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (!_databaseExists)
            {
                await using var server = new NpgsqlConnection(ConnectionString("postgres"));
                await server.OpenAsync(cancellationToken);
                await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", server)
                {
                    Parameters = { new() { Value = ResourceNames.Database } },
                };
                if (await exists.ExecuteScalarAsync(cancellationToken) is null)
                {
                    await using var create = new NpgsqlCommand($"CREATE DATABASE \"{ResourceNames.Database}\"", server);
                    await create.ExecuteNonQueryAsync(cancellationToken);
                }
                _databaseExists = true;
            }

            await using var connection = new NpgsqlConnection(ConnectionString(ResourceNames.Database));
            await connection.OpenAsync(cancellationToken);
            await using var query = new NpgsqlCommand("SELECT 1", connection);
            await query.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"PostgreSQL on 127.0.0.1:{port} is not ready: {ex.Message}");
        }
    }

    private string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = IPAddress.Loopback.ToString(),
        Port = port,
        Database = database,
        Username = LocalPostgresResource.User,
        Password = password,
        Pooling = false,
        Timeout = 5,
    }.ConnectionString;
}

internal static class Ports
{
    /// <summary>Fails with a clear message when a fixed port is taken, naming the setting that moves it.</summary>
    public static void EnsureFree(int port, string setting, string what, string? pidFile = null)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
        }
        catch (SocketException)
        {
            var leftOver = pidFile is not null && File.Exists(pidFile)
                ? $" {pidFile} names process {File.ReadLines(pidFile).FirstOrDefault()}: a {what} left from an earlier run may still be up ('make stop' ends it)."
                : "";
            throw new InfrastructureException(
                $"Port {port} on 127.0.0.1, which {what} should use, is already in use.{leftOver} "
                + $"Free it, or choose another port with {setting} (e.g. --{setting}=<port>).");
        }
    }
}

internal static class LocalSecrets
{
    /// <summary>A generated secret kept in a file only the owner can read.</summary>
    public static string ReadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        File.WriteAllText(path, secret);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return secret;
    }
}
