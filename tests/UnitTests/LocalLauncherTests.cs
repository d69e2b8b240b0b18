using ConnectorHealth.AppHost.Infrastructure;

namespace ConnectorHealth.UnitTests;

public class LocalLauncherTests
{
    private static readonly PostgresBinaries Postgres = new("/usr/lib/postgresql/15/bin");
    private static readonly RabbitMQBinaries RabbitMQ = new("/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/bin/epmd");

    [Fact]
    public void PostgresServerListensOnLoopbackOnTheConfiguredPortWithoutAUnixSocket()
    {
        var launch = LocalPostgres.Server(Postgres, "/data/postgres", 55999, runAs: null);

        Assert.Equal("/usr/lib/postgresql/15/bin/postgres", launch.Command);
        Assert.Equal(
            ["-D", "/data/postgres", "-p", "55999", "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "logging_collector=off", "-c", "max_connections=500"],
            launch.Args);
    }

    [Fact]
    public void AsRootPostgresRunsAsThePostgresUserWithNoProcessInBetween()
    {
        var launch = LocalPostgres.Server(Postgres, "/data/postgres", 55432, runAs: "postgres");

        Assert.Equal("setpriv", launch.Command);
        Assert.Equal(["--reuid=postgres", "--regid=postgres", "--init-groups", "--", "/usr/lib/postgresql/15/bin/postgres"], launch.Args.Take(5));
        Assert.Equal(LocalPostgres.Server(Postgres, "/data/postgres", 55432, runAs: null).Args, launch.Args.Skip(5));
    }

    [Fact]
    public void InitdbSetsPasswordAuthenticationFromAFile()
    {
        var launch = LocalPostgres.Initdb(Postgres, "/data/postgres", "/data/pw", runAs: null);

        Assert.Equal("/usr/lib/postgresql/15/bin/initdb", launch.Command);
        Assert.Contains("--pwfile", launch.Args);
        Assert.Equal("/data/pw", launch.Args[launch.Args.ToList().IndexOf("--pwfile") + 1]);
        Assert.Equal("scram-sha-256", launch.Args[launch.Args.ToList().IndexOf("--auth-host") + 1]);
        Assert.Equal("/data/postgres", launch.Args[launch.Args.ToList().IndexOf("--pgdata") + 1]);
    }

    [Fact]
    public void RabbitMQKeepsEverythingUnderItsDataDirectoryOnPrivatePorts()
    {
        var options = new LocalOptions { RabbitMQPort = 41001, RabbitMQDistPort = 41002, EpmdPort = 41003 };

        var environment = LocalRabbitMQ.Environment("/data/rabbitmq", options);

        Assert.Equal("41001", environment["RABBITMQ_NODE_PORT"]);
        Assert.Equal("41002", environment["RABBITMQ_DIST_PORT"]);
        Assert.Equal("41003", environment["ERL_EPMD_PORT"]);
        Assert.Equal("127.0.0.1", environment["RABBITMQ_NODE_IP_ADDRESS"]);
        foreach (var key in new[] { "HOME", "RABBITMQ_MNESIA_BASE", "RABBITMQ_LOG_BASE", "RABBITMQ_ENABLED_PLUGINS_FILE", "RABBITMQ_CONFIG_FILE" })
        {
            Assert.StartsWith("/data/rabbitmq/", environment[key]);
        }
    }

    [Fact]
    public void OneRabbitMQNodeIsTheNodeOfBefore()
    {
        var node = Assert.Single(LocalRabbitMQ.Nodes("/data", new LocalOptions { RabbitMQPort = 41001, RabbitMQDistPort = 41002 }));

        Assert.Equal(new LocalRabbitMQNode(1, LocalRabbitMQ.NodeName, 41001, 41002, "/data/rabbitmq"), node);
    }

    [Fact]
    public void ThreeRabbitMQNodesTakeTheirOwnNamesPortsAndDataAndShareEpmd()
    {
        var options = new LocalOptions { RabbitMQPort = 41001, RabbitMQDistPort = 41002, EpmdPort = 41000, RabbitMQNodes = 3 };

        var nodes = LocalRabbitMQ.Nodes("/data", options);

        Assert.Equal(
            [
                new LocalRabbitMQNode(1, "connectorhealth@localhost", 41001, 41002, "/data/rabbitmq"),
                new LocalRabbitMQNode(2, "connectorhealth-2@localhost", 41003, 41004, "/data/rabbitmq-2"),
                new LocalRabbitMQNode(3, "connectorhealth-3@localhost", 41005, 41006, "/data/rabbitmq-3"),
            ],
            nodes);
        var third = LocalRabbitMQ.Environment(nodes[2], options);
        Assert.Equal("connectorhealth-3@localhost", third["RABBITMQ_NODENAME"]);
        Assert.Equal("41005", third["RABBITMQ_NODE_PORT"]);
        Assert.Equal("41006", third["RABBITMQ_DIST_PORT"]);
        Assert.Equal("41000", third["ERL_EPMD_PORT"]);
        Assert.StartsWith("/data/rabbitmq-3/", third["RABBITMQ_MNESIA_BASE"]);
    }

    [Fact]
    public void ANodeJoinsNodeOnesClusterWithItsApplicationStopped()
    {
        var nodes = LocalRabbitMQ.Nodes("/data", new LocalOptions { RabbitMQNodes = 3 });

        var steps = LocalRabbitMQ.JoinCluster(RabbitMQ, nodes[1], nodes[0]);

        Assert.All(steps, step => Assert.Equal("/usr/lib/rabbitmq/bin/rabbitmqctl", step.Command));
        Assert.Equal(
            [
                ["-n", "connectorhealth-2@localhost", "stop_app"],
                ["-n", "connectorhealth-2@localhost", "join_cluster", "connectorhealth@localhost"],
                ["-n", "connectorhealth-2@localhost", "start_app"],
            ],
            steps.Select(step => step.Args.ToArray()));
    }

    [Fact]
    public void EpmdRunsInTheForegroundOnTheSamePrivatePort()
    {
        var launch = LocalRabbitMQ.Epmd(RabbitMQ, new LocalOptions { EpmdPort = 41003 });

        Assert.Equal("/usr/bin/epmd", launch.Command);
        Assert.Equal(["-port", "41003", "-address", "127.0.0.1"], launch.Args);
        Assert.DoesNotContain("-daemon", launch.Args);
    }

    [Fact]
    public void RabbitMQConfigCreatesTheApplicationUserAndLogsToTheConsole()
    {
        var config = LocalRabbitMQ.Config("s3cret");

        Assert.Contains($"default_user = {LocalRabbitMQResource.User}", config);
        Assert.Contains("default_pass = s3cret", config);
        Assert.Contains("log.console = true", config);
        Assert.Contains("log.file = false", config);
    }

    [Fact]
    public void DefaultPortsStayClearOfSystemInstallations()
    {
        var options = new LocalOptions();

        Assert.DoesNotContain(options.PostgresPort, new[] { 5432 });
        Assert.DoesNotContain(options.RabbitMQPort, new[] { 5672, 25672, 4369 });
        Assert.NotEqual(4369, options.EpmdPort);
        Assert.Equal(4, new[] { options.PostgresPort, options.RabbitMQPort, options.RabbitMQDistPort, options.EpmdPort }.Distinct().Count());
    }
}
