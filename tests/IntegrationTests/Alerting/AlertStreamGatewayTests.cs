using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using ConnectorHealth.Dashboard;
using ConnectorHealth.Dashboard.Apis;
using ConnectorHealth.Alerting;
using ConnectorHealth.Gateway.Security;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>
/// The alert stream through the real gateway (YARP, API keys, rate limits) from the real Alerting service on Kestrel:
/// a viewer key reads it, each event comes through as it is sent (nothing buffers it), and open streams are counted
/// against their own cap, not the key's request bucket.
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class AlertStreamGatewayTests(RabbitMQServer rabbit, PostgresServer postgres) : IAsyncLifetime
{
    private const string ViewerKey = "viewer-key-for-stream-tests";
    private const int OpenStreams = 3;

    private ServiceHost<AlertingOptions> _alerting = null!;
    private ServiceHost<RateLimitOptions> _gateway = null!;
    private readonly List<AlertEventStream> _streams = [];
    private CancellationTokenSource? _stopWatching;

    public async Task InitializeAsync()
    {
        var database = await postgres.CreateDatabaseConnectionStringAsync("alert_stream_gateway");
        _alerting = new ServiceHost<AlertingOptions>(database, rabbit.Uri);
        _alerting.UseKestrel(0);
        _alerting.StartServer();
        var address = _alerting.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        // A bucket of two requests: streams that drew on it would use it up.
        _gateway = new ServiceHost<RateLimitOptions>(database, rabbit.Uri,
            ($"services:{ResourceNames.Alerting}:http:0", address),
            ("Gateway:ApiKeys:Viewer", ViewerKey),
            ("Gateway:ApiKeys:Operator", "operator-key-for-stream-tests"),
            ("Gateway:RateLimits:PerKey:Burst", "2"),
            ("Gateway:RateLimits:PerKey:PerSecond", "1"),
            ("Gateway:RateLimits:OpenStreamsPerKey", OpenStreams.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    public async Task DisposeAsync()
    {
        _stopWatching?.Cancel();
        foreach (var stream in _streams)
        {
            stream.Dispose();
        }
        await _gateway.DisposeAsync();
        await _alerting.DisposeAsync();
    }

    [Fact]
    public async Task AViewerKeyStreamsEachEventAsItIsSentAndOpenStreamsDoNotDrawOnTheKeysRequests()
    {
        for (var i = 0; i < OpenStreams; i++)
        {
            var stream = await AlertEventStream.OpenAsync(ViewerClient());
            _streams.Add(stream);
            // The heartbeat is a few bytes: it comes through only if nothing on the way holds the response back.
            await stream.NextAsync(e => e.EventType == "heartbeat", "the first heartbeat through the gateway", TimeSpan.FromSeconds(10));
        }

        // The key's bucket is untouched by the open streams; one stream more than the cap is refused.
        using (var client = ViewerClient())
        {
            using var more = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/alerts/stream"), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.TooManyRequests, more.StatusCode);
            using var list = await client.GetAsync("/api/alerts");
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }

        var connector = $"gw_{Guid.NewGuid():N}"[..16];
        var bus = _alerting.Services.GetRequiredService<IBus>();
        foreach (var run in AlertStreamTests.FailedRuns(connector, DateTimeOffset.UtcNow, 5))
        {
            await bus.Publish(run);
        }
        var raised = await Task.WhenAll(_streams.Select(s => s.NextAsync("raised", connector, "consecutive_failures", TimeSpan.FromSeconds(30))));
        foreach (var e in raised)
        {
            Assert.InRange(e.ArrivedAt - e.Data.GetProperty("raisedAt").GetDateTimeOffset(), TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(1));
        }

        // A closed stream gives its place back.
        _streams[0].Dispose();
        _streams.RemoveAt(0);
        await Poll.UntilAsync(async () =>
        {
            using var client = ViewerClient();
            using var again = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/alerts/stream"), HttpCompletionOption.ResponseHeadersRead);
            return again.StatusCode == HttpStatusCode.OK;
        }, "a stream's place to be free again once one closed", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task TheWebUisWatcherRefreshesOnAnAlertAndReadsAgainAfterItsStreamDropped()
    {
        var connection = new BreakableResponses(_gateway.Server.CreateHandler());
        var client = new HttpClient(connection) { BaseAddress = _gateway.Server.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Add(ApiKeyHeader.Name, ViewerKey);
        var watcher = new AlertChangeWatcher(new AlertStreamClient(client), TimeProvider.System, NullLogger<AlertChangeWatcher>.Instance);
        var refreshes = Channel.CreateUnbounded<DateTimeOffset>();
        var stop = new CancellationTokenSource();
        var watching = watcher.WatchAsync(_ => refreshes.Writer.WriteAsync(DateTimeOffset.UtcNow).AsTask(), stop.Token);
        _stopWatching = stop;
        async Task<DateTimeOffset> NextRefreshAsync(string what, TimeSpan within)
        {
            using var timeout = new CancellationTokenSource(within);
            try
            {
                return await refreshes.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No refresh {what} within {within.TotalSeconds:F0} s");
            }
        }
        void Drain()
        {
            while (refreshes.Reader.TryRead(out _))
            {
            }
        }

        // Connected: the page reads its alerts once (what happened before the stream opened).
        await NextRefreshAsync("when the stream opened", TimeSpan.FromSeconds(10));
        Assert.True(watcher.Connected);

        var bus = _alerting.Services.GetRequiredService<IBus>();
        var connector = $"ui_{Guid.NewGuid():N}"[..16];
        foreach (var run in AlertStreamTests.FailedRuns(connector, DateTimeOffset.UtcNow, 5))
        {
            await bus.Publish(run);
        }
        var alert = await Poll.UntilAsync(async () =>
        {
            // Asked of the service itself: the gateway's bucket for the key is two requests here.
            using var direct = _alerting.CreateClient();
            var page = await direct.GetFromJsonAsync<JsonElement>($"/api/alerts?connector={connector}");
            return page.GetProperty("items").EnumerateArray().Select(a => (JsonElement?)a).FirstOrDefault();
        }, found => found is not null, _ => $"{connector}'s alert", interval: TimeSpan.FromMilliseconds(50));
        var refreshed = await NextRefreshAsync("after the alert was raised", TimeSpan.FromSeconds(5));
        Assert.InRange(refreshed - alert!.Value.GetProperty("createdAt").GetDateTimeOffset(), TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(1));

        // The connection breaks: the watcher connects again and reads the alerts again, for what it may have missed.
        Drain();
        connection.Break();
        await NextRefreshAsync("after the stream was back", TimeSpan.FromSeconds(10));
        Assert.True(watcher.Connected);
        Assert.Equal(2, connection.Opened);

        await stop.CancelAsync();
        await watching;
        Assert.False(watcher.Connected);
    }

    /// <summary>The web UI's connection to the gateway, which the test can break as a network would.</summary>
    private sealed class BreakableResponses(HttpMessageHandler gateway) : DelegatingHandler(gateway)
    {
        private readonly List<BreakableStream> _bodies = [];
        private int _opened;

        public int Opened => Volatile.Read(ref _opened);

        public void Break()
        {
            lock (_bodies)
            {
                foreach (var body in _bodies)
                {
                    body.Break();
                }
                _bodies.Clear();
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var body = new BreakableStream(await response.Content.ReadAsStreamAsync(cancellationToken));
            lock (_bodies)
            {
                _bodies.Add(body);
            }
            Interlocked.Increment(ref _opened);
            var content = new StreamContent(body);
            foreach (var header in response.Content.Headers)
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
            response.Content = content;
            return response;
        }
    }

    /// <summary>A response body whose reads fail, as on a broken connection, once <see cref="Break"/> is called.</summary>
    private sealed class BreakableStream(Stream inner) : Stream
    {
        private readonly CancellationTokenSource _broken = new();

        public void Break() => _broken.Cancel();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _broken.Token);
            try
            {
                return await inner.ReadAsync(buffer, either.Token);
            }
            catch (OperationCanceledException) when (_broken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new IOException("The connection broke.");
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                _broken.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    private HttpClient ViewerClient()
    {
        var client = _gateway.CreateClient();
        client.DefaultRequestHeaders.Add(ApiKeyHeader.Name, ViewerKey);
        return client;
    }
}
