using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ConnectorHealth.AppHost.Infrastructure;
using Npgsql;

namespace ConnectorHealth.MetricsBench;

// A private PostgreSQL server for the benchmark, started with the AppHost's local-mode command lines on a free port in
// a throw-away directory, with settings for bulk loading (no fsync: the data is disposable) and a realistic cache.
internal sealed class BenchPostgres : IAsyncDisposable
{
    public static readonly string[] Settings =
    [
        "shared_buffers=2GB", "work_mem=64MB", "maintenance_work_mem=1GB", "effective_cache_size=8GB",
        "max_wal_size=16GB", "checkpoint_timeout=30min", "wal_level=minimal", "max_wal_senders=0",
        "fsync=off", "synchronous_commit=off", "full_page_writes=off",
    ];

    private readonly string _root;
    private readonly Process _server;

    private BenchPostgres(string root, Process server, string connectionString)
    {
        _root = root;
        _server = server;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<BenchPostgres> StartAsync()
    {
        var binaries = new HostProbe().FindPostgres()
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries not found: install them (make test-prerequisites), or pass --connection to use a server.");
        var runAs = HostProbe.IsRoot ? LocalPostgres.SystemUser : null;
        var root = Path.Combine(Path.GetTempPath(), $"connectorhealth-bench-{Guid.NewGuid():N}");
        var data = Path.Combine(root, "postgres");
        Directory.CreateDirectory(data);
        var password = Guid.NewGuid().ToString("N");
        var passwordFile = Path.Combine(root, "pwfile");
        await File.WriteAllTextAsync(passwordFile, password);
        if (runAs is not null)
        {
            Run("chown", ["-R", $"{runAs}:{runAs}", root]);
        }
        var initdb = LocalPostgres.Initdb(binaries, data, passwordFile, runAs);
        Run(initdb.Command, initdb.Args);
        File.Delete(passwordFile);

        var port = FreePort();
        var server = LocalPostgres.Server(binaries, data, port, runAs);
        var start = new ProcessStartInfo(server.Command) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in server.Args.Concat(Settings.SelectMany(setting => new[] { "-c", setting })))
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("postgres did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Database = "postgres",
            Username = LocalPostgresResource.User,
            Password = password,
        }.ConnectionString;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                break;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(250);
            }
        }
        return new BenchPostgres(root, process, connectionString);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_server.HasExited)
        {
            // SIGINT is PostgreSQL's fast shutdown.
            HostCommand.Run("kill", ["-INT", _server.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await _server.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _server.Kill(entireProcessTree: true);
            }
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Run(string command, IReadOnlyList<string> args)
    {
        var result = HostCommand.Run(command, args, TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} failed ({result.ExitCode}): {result.Output}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
