using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;
using AI = Microsoft.Extensions.AI;

namespace Relay.Client.Tests;

/// <summary>RelayChatClient's background responses (continuation tokens), tool results, restarts, and registration.</summary>
public sealed class RelayChatClientTests
{
    private const string Model = SimulatedModel.DefaultId;

    private static readonly AI.ChatMessage[] Story = [new(AI.ChatRole.User, "Tell me a story")];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Half_a_stream_then_a_new_client_resumes_with_the_last_token_and_nothing_is_lost_or_repeated()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=40";
        var expected = SimulatedAnswer.For(Model, [Contracts.ChatMessage.User("Tell me a story")], tokens: 40).Text;
        var background = new ChatOptions { AllowBackgroundResponses = true };

        var text = new System.Text.StringBuilder();
        ResponseContinuationToken? token = null;
        using (var firstHttp = servers.CreateClient())
        {
            IChatClient first = new RelayChatClient(new EdgeClient(firstHttp), Model);
            var texts = 0;
            await foreach (var update in first.GetStreamingResponseAsync(Story, background, Ct))
            {
                Assert.NotNull(update.ContinuationToken); // every update but the last has one
                text.Append(update.Text);
                token = update.ContinuationToken;
                if (++texts == 20)
                {
                    break; // the client goes away mid-answer; the edge keeps the stream
                }
            }
        }

        // Another client (as another process would), from the token's bytes alone.
        using var secondHttp = servers.CreateClient();
        IChatClient second = new RelayChatClient(new EdgeClient(secondHttp), Model);
        var resumed = new ChatOptions { AllowBackgroundResponses = true, ContinuationToken = ResponseContinuationToken.FromBytes(token!.ToBytes()) };
        var rest = await ListAsync(second.GetStreamingResponseAsync([], resumed, Ct));

        Assert.Equal(expected, text + string.Concat(rest.Select(u => u.Text)));
        Assert.All(rest.SkipLast(1), u => Assert.NotNull(u.ContinuationToken));
        Assert.Null(rest[^1].ContinuationToken);
        Assert.Equal(ChatFinishReason.Stop, rest[^1].FinishReason);
        Assert.Equal(1, servers.Simulator.GetStats().Requests); // resumed, never asked again

        // The whole answer by token, non-streaming: waits for it and returns all of it.
        var whole = await second.GetResponseAsync([], new ChatOptions { ContinuationToken = token }, Ct);
        Assert.Equal(expected, whole.Text);
        Assert.Null(whole.ContinuationToken);
    }

    [Fact]
    public async Task A_token_with_messages_throws_and_a_gone_stream_is_STREAM_NOT_FOUND()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        using var http = servers.CreateClient();
        IChatClient chat = new RelayChatClient(new EdgeClient(http), Model);
        var token = new ChatOptions { ContinuationToken = ResponseContinuationToken.FromBytes("relay1 never-started-1 never-started-1:3"u8.ToArray()) };

        Assert.Throws<ArgumentException>(() => chat.GetStreamingResponseAsync(Story, token, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => chat.GetResponseAsync(Story, token, Ct));
        var gone = await Assert.ThrowsAsync<StreamErrorException>(async () =>
        {
            await foreach (var u in chat.GetStreamingResponseAsync([], token, Ct))
            {
            }
        });
        Assert.Equal(StreamErrorCode.StreamNotFound, gone.Error.Code);
        Assert.Throws<ArgumentException>(() => chat.GetStreamingResponseAsync([], new ChatOptions { ContinuationToken = ResponseContinuationToken.FromBytes("other"u8.ToArray()) }, Ct));
        Assert.Equal(0, servers.Simulator.GetStats().Requests);
    }

    [Fact]
    public async Task Resuming_after_the_tool_calls_replays_neither_them_nor_the_usage()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tools=1";
        using var http = servers.CreateClient();
        IChatClient chat = new RelayChatClient(new EdgeClient(http), Model);
        var options = new ChatOptions { AllowBackgroundResponses = true, Tools = [AIFunctionFactory.Create((string city) => "sunny", "get_weather")] };
        var updates = await ListAsync(chat.GetStreamingResponseAsync([new AI.ChatMessage(AI.ChatRole.User, "Weather in Paris?")], options, Ct));

        var withCall = Assert.Single(updates, u => u.Contents.OfType<FunctionCallContent>().Any());
        Assert.NotNull(withCall.ContinuationToken);
        var rest = await ListAsync(chat.GetStreamingResponseAsync([], new ChatOptions { AllowBackgroundResponses = true, ContinuationToken = withCall.ContinuationToken }, Ct));

        var whole = updates.TakeWhile(u => u != withCall).Append(withCall).Concat(rest).ToList();
        Assert.Single(whole.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Single(whole.SelectMany(u => u.Contents).OfType<UsageContent>());
        Assert.Equal(ChatFinishReason.ToolCalls, rest[^1].FinishReason);
    }

    [Fact]
    public async Task Without_background_responses_updates_carry_no_token()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=5";
        using var http = servers.CreateClient();
        IChatClient chat = new RelayChatClient(new EdgeClient(http), Model);
        await foreach (var update in chat.GetStreamingResponseAsync(Story, new ChatOptions(), Ct))
        {
            Assert.Null(update.ContinuationToken);
        }
    }

    [Fact]
    public async Task Every_parallel_tool_result_is_sent_and_structured_results_as_JSON()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=5";
        var sent = new CapturingHandler();
        using var http = new HttpClient(sent) { BaseAddress = servers.Edge.Url };
        IChatClient chat = new RelayChatClient(new EdgeClient(http), Model);
        AI.ChatMessage[] turn =
        [
            new(AI.ChatRole.User, "Weather in Paris and Oslo?"),
            new(AI.ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" }), new FunctionCallContent("call_2", "get_weather", new Dictionary<string, object?> { ["city"] = "Oslo" })]),
            new(AI.ChatRole.Tool, [new FunctionResultContent("call_1", "sunny"), new FunctionResultContent("call_2", new Dictionary<string, object?> { ["sky"] = "snow", ["celsius"] = -3 })]),
        ];

        var response = await chat.GetResponseAsync(turn, cancellationToken: Ct);
        Assert.NotEmpty(response.Text); // the edge and the upstream took the conversation

        var messages = JsonDocument.Parse(sent.Bodies[^1]).RootElement.GetProperty("messages").EnumerateArray().ToList();
        var tools = messages.Where(m => m.GetProperty("role").GetString() == "tool").ToList();
        Assert.Equal(["call_1", "call_2"], tools.Select(t => t.GetProperty("tool_call_id").GetString()));
        Assert.Equal("sunny", tools[0].GetProperty("content").GetString());
        using var structured = JsonDocument.Parse(tools[1].GetProperty("content").GetString()!);
        Assert.Equal("snow", structured.RootElement.GetProperty("sky").GetString());
        Assert.Equal(-3, structured.RootElement.GetProperty("celsius").GetInt32());
    }

    [Fact]
    public async Task Images_go_as_image_parts_in_their_place_and_a_model_without_image_input_refuses_them()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=5";
        var sent = new CapturingHandler();
        using var http = new HttpClient(sent) { BaseAddress = servers.Edge.Url };
        IChatClient chat = new RelayChatClient(new EdgeClient(http), Model);
        AI.ChatMessage[] question =
        [
            new(AI.ChatRole.User, [new TextContent("What is this?"), new DataContent(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, "image/png"), new UriContent("https://example.com/cat.jpg", "image/jpeg")]),
        ];

        var response = await chat.GetResponseAsync(question, cancellationToken: Ct);
        Assert.Equal(SimulatedAnswer.For(Model, [Contracts.ChatMessage.User("What is this?")], tokens: 5).Text, response.Text);
        var parts = JsonDocument.Parse(sent.Bodies[^1]).RootElement.GetProperty("messages")[0].GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(["text", "image_url", "image_url"], parts.Select(p => p.GetProperty("type").GetString()));
        Assert.Equal("data:image/png;base64,iVBORw==", parts[1].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal("https://example.com/cat.jpg", parts[2].GetProperty("image_url").GetProperty("url").GetString());

        IChatClient textOnly = new RelayChatClient(new EdgeClient(http), "deepseek/deepseek-r1");
        var refused = await Assert.ThrowsAsync<StreamErrorException>(() => textOnly.GetResponseAsync(question, cancellationToken: Ct));
        Assert.Contains("No endpoints found that support image input", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restart_after_text_ends_the_stream_with_the_error_unless_AllowRestart()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=10;error=midstream-a@5";
        using var http = servers.CreateClient();
        var texts = new List<string>();

        // Off by default: the text already yielded cannot be taken back, so the stream ends with the error.
        var off = await Assert.ThrowsAsync<StreamErrorException>(async () =>
        {
            await foreach (var u in new RelayChatClient(new EdgeClient(http), Model).GetStreamingResponseAsync(Story, cancellationToken: Ct))
            {
                texts.Add(u.Text);
            }
        });
        Assert.True(off.Error.Retryable);
        Assert.NotEmpty(string.Concat(texts)); // text had been yielded when the error came
        Assert.Equal(1, servers.Simulator.GetStats().Requests);

        // On when asked: the answer starts over (here it fails the same way each time, until the attempts run out).
        IChatClient restarting = new RelayChatClient(new EdgeClient(http, new EdgeClientOptions(), new ImmediateTimeProvider()), new RelayChatClientOptions { DefaultModel = Model, AllowRestart = true });
        await Assert.ThrowsAsync<StreamErrorException>(async () =>
        {
            await foreach (var u in restarting.GetStreamingResponseAsync(Story, cancellationToken: Ct))
            {
            }
        });
        Assert.True(servers.Simulator.GetStats().Requests > 2, "the answer was started over");
    }

    [Fact]
    public async Task AddRelayChatClient_registers_through_AddChatClient_with_its_pipeline()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=3";
        var services = new ServiceCollection();
        services.AddRelayChatClient(o => o.BaseAddress = servers.Edge.Url, o => o.DefaultModel = Model)
            .UseFunctionInvocation();
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();
        Assert.IsType<FunctionInvokingChatClient>(chat);
        Assert.NotNull(chat.GetService<RelayChatClient>());
        var response = await chat.GetResponseAsync(Story, cancellationToken: Ct);
        Assert.Equal(SimulatedAnswer.For(Model, [Contracts.ChatMessage.User("Tell me a story")], tokens: 3).Text, response.Text);
    }

    private static async Task<List<ChatResponseUpdate>> ListAsync(IAsyncEnumerable<ChatResponseUpdate> updates)
    {
        var list = new List<ChatResponseUpdate>();
        await foreach (var u in updates)
        {
            list.Add(u);
        }

        return list;
    }

    /// <summary>Keeps the body of every request it passes on.</summary>
    private sealed class CapturingHandler() : DelegatingHandler(new HttpClientHandler())
    {
        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null)
            {
                Bodies.Add(await request.Content.ReadAsStringAsync(cancellationToken));
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
