namespace ConnectorHealth.AppHost.Infrastructure;

public sealed record PostgresBinaries(string BinDirectory)
{
    public string Initdb => Path.Combine(BinDirectory, "initdb");
    public string Postgres => Path.Combine(BinDirectory, "postgres");
}

public sealed record RabbitMQBinaries(string Server, string Epmd)
{
    /// <summary>rabbitmqctl beside the server script (Debian's /usr/sbin one is a wrapper that switches user).</summary>
    public string Ctl => Path.Combine(Path.GetDirectoryName(Server) ?? "", "rabbitmqctl");
}

/// <summary>Looks at this machine: container runtimes, PostgreSQL and RabbitMQ binaries, who we are.</summary>
public sealed class HostProbe(Func<string, string?>? environment = null) : IHostProbe
{
    private readonly Func<string, string?> _environment = environment ?? Environment.GetEnvironmentVariable;

    public bool ContainerRuntimeAnswers()
    {
        var configured = _environment("ASPIRE_CONTAINER_RUNTIME") ?? _environment("DOTNET_ASPIRE_CONTAINER_RUNTIME");
        string[] runtimes = string.IsNullOrWhiteSpace(configured) ? ["docker", "podman"] : [configured];
        return runtimes.Any(runtime => FindOnPath(runtime) is { } path
            && HostCommand.Run(path, ["info", "--format", "{{.ServerVersion}}"], TimeSpan.FromSeconds(10)).ExitCode == 0);
    }

    public PostgresBinaries? FindPostgres()
    {
        if (FindOnPath("initdb") is { } initdb && FindOnPath("postgres") is { } postgres
            && Path.GetDirectoryName(initdb) == Path.GetDirectoryName(postgres))
        {
            return new PostgresBinaries(Path.GetDirectoryName(initdb)!);
        }

        // Debian and Ubuntu keep the server binaries off PATH, one directory per major version: take the newest.
        const string debianRoot = "/usr/lib/postgresql";
        if (!Directory.Exists(debianRoot))
        {
            return null;
        }
        return Directory.EnumerateDirectories(debianRoot)
            .Select(dir => (Version: int.TryParse(Path.GetFileName(dir), out var v) ? v : -1, Bin: Path.Combine(dir, "bin")))
            .Where(x => x.Version >= 0 && File.Exists(Path.Combine(x.Bin, "initdb")) && File.Exists(Path.Combine(x.Bin, "postgres")))
            .OrderByDescending(x => x.Version)
            .Select(x => new PostgresBinaries(x.Bin))
            .FirstOrDefault();
    }

    public RabbitMQBinaries? FindRabbitMQ()
    {
        // Debian's /usr/sbin/rabbitmq-server is a wrapper that switches user; the server script itself runs in the foreground.
        var onPath = FindOnPath("rabbitmq-server");
        var server = new[] { "/usr/lib/rabbitmq/bin/rabbitmq-server" }.FirstOrDefault(File.Exists)
            ?? (onPath is not null && !IsUserSwitchingWrapper(onPath) ? onPath : null);
        var epmd = FindOnPath("epmd")
            ?? (Directory.Exists("/usr/lib/erlang")
                ? Directory.EnumerateFiles("/usr/lib/erlang", "epmd", SearchOption.AllDirectories).Order().LastOrDefault()
                : null);
        return server is not null && epmd is not null ? new RabbitMQBinaries(server, epmd) : null;
    }

    private static bool IsUserSwitchingWrapper(string path) =>
        new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true) is { Name: "rabbitmq-script-wrapper" };

    // Environment.UserName is the effective user's name on Unix.
    public static bool IsRoot => !OperatingSystem.IsWindows() && Environment.UserName == "root";

    private string? FindOnPath(string name) =>
        (_environment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
