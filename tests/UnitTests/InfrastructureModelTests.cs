using Aspire.Hosting;
using ConnectorHealth.AppHost.Infrastructure;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.UnitTests;

public class InfrastructureModelTests
{
    private sealed class NothingInstalled : IHostProbe
    {
        public bool ContainerRuntimeAnswers() => false;
        public PostgresBinaries? FindPostgres() => null;
        public RabbitMQBinaries? FindRabbitMQ() => null;
    }

    private sealed class EverythingInstalled : IHostProbe
    {
        public bool ContainerRuntimeAnswers() => false;
        public PostgresBinaries? FindPostgres() => new("/usr/lib/postgresql/15/bin");
        public RabbitMQBinaries? FindRabbitMQ() => new("/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/bin/epmd");
    }

    private static IDistributedApplicationBuilder Builder(params string[] args) =>
        DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = args, DisableDashboard = true });

    [Fact]
    public void ExternalModeWithoutConnectionStringsNamesEachMissingOne()
    {
        var builder = Builder("--Infrastructure:Mode=external", "--ConnectionStrings:messaging=amqp://mq:5672/");

        var error = Assert.Throws<InfrastructureException>(() => builder.AddInfrastructure(new NothingInstalled()));

        Assert.Contains($"ConnectionStrings:{ResourceNames.Database}", error.Message);
        Assert.DoesNotContain($"ConnectionStrings:{ResourceNames.Messaging}", error.Message);
    }

    [Fact]
    public void ExternalModeNeedsNothingInstalled()
    {
        var builder = Builder(
            "--Infrastructure:Mode=external",
            "--ConnectionStrings:connectorhealth=Host=db;Database=connectorhealth",
            "--ConnectionStrings:messaging=amqp://mq:5672/");

        var infrastructure = builder.AddInfrastructure(new NothingInstalled());

        Assert.Equal(InfrastructureMode.External, infrastructure.Mode);
        Assert.Equal(ResourceNames.Database, infrastructure.Database.Resource.Name);
        Assert.Equal(ResourceNames.Messaging, infrastructure.Messaging.Resource.Name);
    }

    [Fact]
    public void AutoModeOnABareMachineFailsWithTheInstallAdvice()
    {
        var error = Assert.Throws<InfrastructureException>(() => Builder().AddInfrastructure(new NothingInstalled()));

        Assert.Contains("apt-get install rabbitmq-server", error.Message);
    }

    [Fact]
    public void LocalModeWithThreeRabbitMQNodesRunsThemAllAndHandsTheServicesTheClusterWithQuorumQueues()
    {
        var data = Directory.CreateTempSubdirectory("connectorhealth-model-").FullName;
        try
        {
            // Publish mode: the model only, nothing prepared on disk nor started.
            var builder = Builder(
                "--Infrastructure:Mode=local", $"--Infrastructure:Local:DataDirectory={data}", "--Infrastructure:Local:RabbitMQNodes=3",
                "--operation", "publish", "--publisher", "manifest", "--output-path", data);
            Assert.False(builder.ExecutionContext.IsRunMode);

            var infrastructure = builder.AddInfrastructure(new EverythingInstalled());

            Assert.Equal(ResourceNames.Messaging, infrastructure.Messaging.Resource.Name);
            var cluster = Assert.IsType<MessagingCluster>(infrastructure.MessagingCluster);
            Assert.Equal([$"{ResourceNames.Messaging}-2", $"{ResourceNames.Messaging}-3"], cluster.Nodes.Select(n => n.Resource.Name));
            Assert.Equal("127.0.0.1:55672,127.0.0.1:55674,127.0.0.1:55676", cluster.ServiceSettings["Messaging__ClusterNodes"]);
            Assert.Equal("true", cluster.ServiceSettings["Messaging__QuorumQueues"]);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void LocalModeWithOneRabbitMQNodeHasNoCluster()
    {
        var data = Directory.CreateTempSubdirectory("connectorhealth-model-").FullName;
        try
        {
            var builder = Builder(
                "--Infrastructure:Mode=local", $"--Infrastructure:Local:DataDirectory={data}",
                "--operation", "publish", "--publisher", "manifest", "--output-path", data);

            var infrastructure = builder.AddInfrastructure(new EverythingInstalled());

            Assert.Null(infrastructure.MessagingCluster);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void TwoRabbitMQNodesAreRefusedWithTheReason()
    {
        var data = Directory.CreateTempSubdirectory("connectorhealth-model-").FullName;
        try
        {
            var builder = Builder(
                "--Infrastructure:Mode=local", $"--Infrastructure:Local:DataDirectory={data}", "--Infrastructure:Local:RabbitMQNodes=2",
                "--operation", "publish", "--publisher", "manifest", "--output-path", data);

            var error = Assert.Throws<InfrastructureException>(() => builder.AddInfrastructure(new EverythingInstalled()));

            Assert.Contains("Infrastructure:Local:RabbitMQNodes is 2", error.Message);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
