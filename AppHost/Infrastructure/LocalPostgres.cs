using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ConnectorHealth.ServiceDefaults;
using Npgsql;

namespace ConnectorHealth.AppHost.Infrastructure;

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
            // Room for replicas: each service process pools its connections, and each runner replica holds one more
            // per run under way (its connector's lock). With 300 connectors on two runner replicas, 85 of the default 100
            // were in use at once and a burst was refused ("too many clients"); at 10,000 connectors the runner replicas' pools
            // filled while thousands of connectors' schedules started at once, and 295 of 300 were in use.
            "-c", "max_connections=500",
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

        // Healthy once the server takes the application's credentials; the application database is created when
        // it is (WaitFor also waits for the ready event, so no service starts before the database exists).
        var healthCheckKey = $"{ResourceNames.Postgres}-ready";
        builder.Services.AddHealthChecks().AddNpgSql(
            AdminConnectionString(options.PostgresPort, password), name: healthCheckKey, timeout: TimeSpan.FromSeconds(10));

        return builder.AddResource(resource)
            .WithArgs([.. server.Args])
            .WithHealthCheck(healthCheckKey)
            .OnResourceReady((_, _, cancellationToken) =>
                CreateDatabaseIfMissingAsync(AdminConnectionString(options.PostgresPort, password), cancellationToken))
            .ExcludeFromManifest();
    }

    /// <summary>The server's own <c>postgres</c> database, which exists from initdb on; unpooled, so a restarted server gets a fresh connection.</summary>
    internal static string AdminConnectionString(int port, string password) => new NpgsqlConnectionStringBuilder
    {
        Host = IPAddress.Loopback.ToString(),
        Port = port,
        Database = "postgres",
        Username = LocalPostgresResource.User,
        Password = password,
        Pooling = false,
        Timeout = 5,
    }.ConnectionString;

    /// <summary>
    /// Creates the application database, as Aspire's own PostgreSQL integration creates its databases once the server is
    /// ready. Runs on every start of the resource, so it must be (and is) harmless when the database is already there.
    /// </summary>
    internal static async Task CreateDatabaseIfMissingAsync(string adminConnectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
        {
            Parameters = { new() { Value = ResourceNames.Database } },
        };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{ResourceNames.Database}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
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
