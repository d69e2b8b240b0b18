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
}
