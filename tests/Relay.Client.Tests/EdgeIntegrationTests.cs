using Microsoft.Extensions.AI;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;
using AI = Microsoft.Extensions.AI;

namespace Relay.Client.Tests;

public sealed class EdgeIntegrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly ChatRequest Story = new() { Messages = [Contracts.ChatMessage.User("Tell me a story")] };

    [Fact]
    public async Task ResumeStreamAsync_follows_an_existing_stream_from_its_start_or_an_event_and_never_starts_one()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=20";
        using var http = new HttpClient { BaseAddress = servers.Edge.Url };
        var client = new EdgeClient(http, new EdgeClientOptions(), new ImmediateTimeProvider());
        var original = new List<StreamEvent>();
        await foreach (var e in client.StreamChatAsync(Story with { StreamId = "resume-me-1" }, Ct))
        {
            original.Add(e);
        }

        // From the start: the same events with the same ids; after the 5th: the rest; after the terminal one (204): nothing.
        var whole = await ToListAsync(client.ResumeStreamAsync("resume-me-1", cancellationToken: Ct));
        Assert.Equal(original.Select(e => e.EventId), whole.Select(e => e.EventId));
        Assert.Equal(original.OfType<DeltaEvent>().Select(d => d.Text), whole.OfType<DeltaEvent>().Select(d => d.Text));
        var rest = await ToListAsync(client.ResumeStreamAsync("resume-me-1", original[4].EventId, cancellationToken: Ct));
        Assert.Equal(original.Skip(5).Select(e => e.EventId), rest.Select(e => e.EventId));
        Assert.Empty(await ToListAsync(client.ResumeStreamAsync("resume-me-1", original[^1].EventId, cancellationToken: Ct)));

        // A stream the edge does not have is an error, not a new answer.
        var requests = servers.Simulator.GetStats().Requests;
        var gone = Assert.Single(await ToListAsync(client.ResumeStreamAsync("never-started-1", cancellationToken: Ct)));
        Assert.Equal(StreamErrorCode.StreamNotFound, Assert.IsType<ErrorEvent>(gone).Error.Code);
        Assert.Equal(requests, servers.Simulator.GetStats().Requests);
    }

    private static async Task<List<StreamEvent>> ToListAsync(IAsyncEnumerable<StreamEvent> events)
    {
        var list = new List<StreamEvent>();
        await foreach (var e in events)
        {
            list.Add(e);
        }

        return list;
    }

    [Fact]
    public async Task Cuts_at_100_seeded_random_offsets_lose_and_repeat_nothing()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=500";
        await using var proxy = new FaultProxy(servers.Edge.Url);
        var expected = SimulatedAnswer.For(SimulatedModel.DefaultId, Story.Messages, tokens: 500).Text;

        // One clean run to learn the size of the whole response, headers included.
        var time = new ImmediateTimeProvider();
        using var http = new HttpClient { BaseAddress = proxy.Url };
        http.DefaultRequestHeaders.ConnectionClose = true; // a new connection per request, so each run's cut meets its POST
        var client = new EdgeClient(http, new EdgeClientOptions(), time);
        Assert.Equal(expected, await TextOf(client.StreamChatAsync(Story, Ct)));
        var total = proxy.ResponseBytes;

        var random = new Random(20261124);
        var resumes = 0;
        for (var run = 0; run < 100; run++)
        {
            var cut = random.NextInt64(1, total);
            proxy.Next(FaultBehavior.ResetAfter(cut));
            var connections = proxy.Connections;
            var events = new List<StreamEvent>();
            await foreach (var e in client.StreamChatAsync(Story, Ct))
            {
                events.Add(e);
            }

            Assert.Equal(expected, string.Concat(events.OfType<DeltaEvent>().Select(d => d.Text)));
            Assert.IsType<DoneEvent>(events[^1]);
            Assert.True(proxy.Connections - connections >= 2, $"run {run}: the cut at byte {cut} of {total} caused no reconnect");
            Assert.DoesNotContain(events, e => e is RestartedEvent);
            // The waits follow the policy: attempt 1 is 250 ms * U[0.5, 1), floored at the server's retry: 250 once an event brought it.
            foreach (var wait in events.OfType<ReconnectingEvent>())
            {
                var afterAnEvent = events.TakeWhile(e => e != wait).Any(e => e.EventId is not null);
                Assert.InRange(wait.DelayMs, afterAnEvent ? 250 : 125, 250 * Math.Pow(2, wait.Attempt - 1));
            }

            resumes += events.OfType<ReconnectingEvent>().Count();
        }

        Assert.True(resumes >= 100);
    }

    [Fact]
    public async Task Whole_answers_cancel_models_and_health_work_against_a_real_edge()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=12";
        using var http = servers.CreateClient();
        var client = new EdgeClient(http);
        var whole = await client.ChatAsync(Story, Ct);
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, Story.Messages, tokens: 12).Text, whole.Text);
        Assert.Contains(SimulatedModel.DefaultId, await client.GetModelsAsync(Ct));
        var health = await client.GetHealthAsync(Ct);
        Assert.True(health.Live && health.Ready);
        Assert.False(await client.CancelAsync("no-such-stream", Ct));

        servers.Simulator.DefaultKnobs = "status=402";
        var ex = await Assert.ThrowsAsync<StreamErrorException>(() => client.ChatAsync(Story, Ct));
        Assert.Equal(StreamErrorCode.InsufficientCredits, ex.Error.Code);
    }

    [Fact]
    public async Task The_callers_HttpClient_is_used_as_it_is_and_can_be_shared_after_use()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=6";
        using var http = new HttpClient { BaseAddress = servers.Edge.Url };
        var timeout = http.Timeout;
        var first = new EdgeClient(http);
        Assert.Equal(6, (await first.ChatAsync(Story, Ct)).Usage!.CompletionTokens);

        // The README's second snippet makes another client over the same, already used HttpClient.
        var second = new EdgeClient(http);
        var text = new System.Text.StringBuilder();
        await foreach (var e in second.StreamChatAsync(Story, Ct))
        {
            text.Append((e as DeltaEvent)?.Text);
        }

        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, Story.Messages, tokens: 6).Text, text.ToString());
        Assert.Equal(timeout, http.Timeout);
        Assert.Equal(servers.Edge.Url, http.BaseAddress);

        // No BaseAddress on the HttpClient: the options name the edge, and the HttpClient stays as it was.
        using var bare = new HttpClient();
        var third = new EdgeClient(bare, new EdgeClientOptions { BaseAddress = servers.Edge.Url });
        Assert.Contains(SimulatedModel.DefaultId, await third.GetModelsAsync(Ct));
        Assert.Null(bare.BaseAddress);
    }

    [Fact]
    public async Task Cancelling_a_stream_reaches_the_upstream()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=100;stall=3";
        using var http = servers.CreateClient();
        var client = new EdgeClient(http);
        var request = Story with { StreamId = "cancel-me-01" };
        await foreach (var e in client.StreamChatAsync(request, Ct))
        {
            if (e is DeltaEvent)
            {
                Assert.True(await client.CancelAsync("cancel-me-01", Ct));
            }

            if (e is ErrorEvent error)
            {
                Assert.Equal(StreamErrorCode.Cancelled, error.Error.Code);
            }
        }

        await servers.Simulator.WaitForAbortsAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(2), Ct);
    }

    [Fact]
    public async Task An_unreachable_edge_is_NETWORK_ERROR_after_the_attempts()
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9/") };
        var client = new EdgeClient(http, new EdgeClientOptions(), new ImmediateTimeProvider());
        var events = new List<StreamEvent>();
        await foreach (var e in client.StreamChatAsync(Story, Ct))
        {
            events.Add(e);
        }

        Assert.Equal(StreamErrorCode.NetworkError, Assert.IsType<ErrorEvent>(events[^1]).Error.Code);
        Assert.Equal(StreamErrorCode.NetworkError, (await Assert.ThrowsAsync<StreamErrorException>(() => client.ChatAsync(Story, Ct))).Error.Code);
        Assert.False((await client.GetHealthAsync(Ct)).Live);
    }

    [Fact]
    public async Task The_IChatClient_streams_text_reasoning_usage_and_finish_reason()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=20";
        using var http = servers.CreateClient();
        IChatClient chat = new RelayChatClient(new EdgeClient(http), "deepseek/deepseek-r1");
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in chat.GetStreamingResponseAsync([new AI.ChatMessage(AI.ChatRole.User, "Tell me a story")], cancellationToken: Ct))
        {
            updates.Add(u);
        }

        var expected = SimulatedAnswer.For("deepseek/deepseek-r1", Story.Messages, tokens: 20);
        Assert.Equal(expected.Text, string.Concat(updates.SelectMany(u => u.Contents).OfType<TextContent>().Select(t => t.Text)));
        Assert.Equal(expected.Reasoning, string.Concat(updates.SelectMany(u => u.Contents).OfType<TextReasoningContent>().Select(t => t.Text)));
        Assert.Equal(20 + expected.ReasoningTokens.Count, updates.SelectMany(u => u.Contents).OfType<UsageContent>().Single().Details.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.Equal("deepseek/deepseek-r1", updates[^1].ModelId);

        var response = await chat.GetResponseAsync([new AI.ChatMessage(AI.ChatRole.User, "Tell me a story")], new ChatOptions { MaxOutputTokens = 20 }, Ct);
        Assert.Equal(expected.Text, response.Text);
        Assert.NotNull(response.Usage);
        Assert.NotNull(chat.GetService<ChatClientMetadata>());
        Assert.NotNull(chat.GetService<EdgeClient>());
    }

    [Fact]
    public async Task The_IChatClient_assembles_tool_calls_and_surfaces_errors()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tools=1";
        using var http = servers.CreateClient();
        IChatClient chat = new RelayChatClient(new EdgeClient(http));
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create((string city) => "sunny", "get_weather")] };
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in chat.GetStreamingResponseAsync([new AI.ChatMessage(AI.ChatRole.User, "Weather in Paris?")], options, Ct))
        {
            updates.Add(u);
        }

        var call = updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>().Single();
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Paris", call.Arguments!["city"]!.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, updates[^1].FinishReason);

        var whole = await chat.GetResponseAsync(
            [new AI.ChatMessage(AI.ChatRole.User, "Weather in Paris?"), new AI.ChatMessage(AI.ChatRole.Assistant, [new FunctionCallContent("call_sim_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]), new AI.ChatMessage(AI.ChatRole.Tool, [new FunctionResultContent("call_sim_1", "sunny")])],
            options,
            Ct);
        Assert.Equal(ChatFinishReason.ToolCalls, whole.FinishReason);

        servers.Simulator.DefaultKnobs = "tokens=5;error=midstream-d@2";
        await Assert.ThrowsAsync<StreamErrorException>(async () =>
        {
            await foreach (var u in chat.GetStreamingResponseAsync([new AI.ChatMessage(AI.ChatRole.User, "x")], new ChatOptions(), Ct))
            {
            }
        });
    }

    private static async Task<string> TextOf(IAsyncEnumerable<StreamEvent> events)
    {
        var text = new System.Text.StringBuilder();
        await foreach (var e in events)
        {
            if (e is DeltaEvent d)
            {
                text.Append(d.Text);
            }
        }

        return text.ToString();
    }
}
