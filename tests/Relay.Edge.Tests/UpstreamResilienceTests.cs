using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using Relay.Contracts;
using Relay.Contracts.Sse;
using Relay.Edge.Streams;
using Relay.Simulator;
using Relay.Testing;
using ChatMessage = Relay.Contracts.ChatMessage;

namespace Relay.Edge.Tests;

/// <summary>
/// Retries before the first token, fallback models and usage on every ending, through the simulator on real sockets: what
/// the client sees, and how many requests the upstream got.
/// </summary>
public sealed class UpstreamResilienceTests(EdgeFixture edge) : IClassFixture<EdgeFixture>
{
    private const string Prompt = "Tell me something";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private SimulatorHost Simulator => edge.Stack.Simulator;

    [Fact]
    public async Task A_503_before_the_first_token_is_retried_and_the_client_gets_one_answer_from_one_POST()
    {
        Simulator.DefaultKnobs = "tokens=6;status=503;status_count=1";
        var before = Simulator.GetStats().Requests;
        var (raw, events) = await StreamAsync(Sse.Post(Prompt));

        Assert.Equal(2, Simulator.GetStats().Requests - before);
        Assert.Contains(": retrying\n\n", raw, StringComparison.Ordinal);
        var start = Assert.IsType<StartEvent>(events[0]);
        Assert.Equal(2, start.Attempts);
        Assert.Equal(Answer(SimulatedModel.DefaultId, 6), Sse.Text(events));
        Assert.DoesNotContain(events, e => e is ErrorEvent or RestartedEvent);
        Assert.IsType<DoneEvent>(events[^1]);
    }

    [Fact]
    public async Task A_429_with_a_Retry_After_inside_the_budget_is_waited_out_then_answered()
    {
        Simulator.DefaultKnobs = "tokens=3;status=429;retry_after=1;status_count=1";
        var before = Simulator.GetStats().Requests;
        var (_, events) = await StreamAsync(Sse.Post(Prompt));
        Assert.Equal(2, Simulator.GetStats().Requests - before);
        Assert.Equal(2, Assert.IsType<StartEvent>(events[0]).Attempts);
        Assert.Equal(Answer(SimulatedModel.DefaultId, 3), Sse.Text(events));
    }

    [Theory]
    [InlineData("status=429;retry_after=30", HttpStatusCode.TooManyRequests)] // beyond the 10 s budget: at once
    [InlineData("status=401", HttpStatusCode.BadGateway)]
    [InlineData("status=402", HttpStatusCode.PaymentRequired)]
    [InlineData("status=400", HttpStatusCode.BadRequest)]
    public async Task Failures_that_cannot_succeed_in_time_are_answered_at_once_after_one_request(string knobs, HttpStatusCode status)
    {
        Simulator.DefaultKnobs = knobs;
        var before = Simulator.GetStats().Requests;
        using var response = await edge.Http.SendAsync(Sse.Post(Prompt), Ct);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(1, Simulator.GetStats().Requests - before);
    }

    [Fact]
    public async Task A_failure_after_the_first_token_is_not_retried_and_the_spent_tokens_are_counted()
    {
        Simulator.DefaultKnobs = "tokens=10;error=midstream-a@5";
        var before = Simulator.GetStats().Requests;
        var (_, events) = await StreamAsync(Sse.Post(Prompt));
        Assert.Equal(1, Simulator.GetStats().Requests - before);
        Assert.Equal(4, events.OfType<DeltaEvent>().Count());
        var usage = Assert.IsType<UsageEvent>(events[^2]).Usage;
        Assert.True(usage.Estimated);
        Assert.Null(usage.CostUsd);
        Assert.InRange(usage.CompletionTokens, 4, Sse.Text(events).Length);
        Assert.True(usage.PromptTokens > 0);
        Assert.IsType<ErrorEvent>(events[^1]);
    }

    [Fact]
    public async Task A_mid_stream_error_before_any_content_is_retried_up_to_the_limit_then_is_an_error_event()
    {
        Simulator.DefaultKnobs = "tokens=10;error=midstream-a@1";
        var before = Simulator.GetStats().Requests;
        var (raw, events) = await StreamAsync(Sse.Post(Prompt));
        Assert.Equal(3, Simulator.GetStats().Requests - before); // the first attempt and RELAY_UPSTREAM_RETRIES=2
        Assert.Equal(2, raw.Split(": retrying\n\n").Length - 1);
        var error = Assert.IsType<ErrorEvent>(Assert.Single(events)); // nothing was generated: no start, no usage
        Assert.Equal(StreamErrorCode.UpstreamUnavailable, error.Error.Code);
    }

    [Fact]
    public async Task The_edge_walks_fallback_models_and_start_names_the_one_that_answered()
    {
        Simulator.DefaultKnobs = "tokens=4;fail_model=openai/gpt-4o-mini,google/gemini-2.5-flash";
        var before = Simulator.GetStats().Requests;
        var (_, events) = await StreamAsync(PostWithFallbacks("openai/gpt-4o-mini", "google/gemini-2.5-flash", "anthropic/claude-sonnet-4"));
        Assert.Equal(3, Simulator.GetStats().Requests - before);
        var start = Assert.IsType<StartEvent>(events[0]);
        Assert.Equal("anthropic/claude-sonnet-4", start.Model);
        Assert.Equal(3, start.Attempts);
        Assert.Equal(Answer("anthropic/claude-sonnet-4", 4), Sse.Text(events));
    }

    [Fact]
    public async Task With_upstream_fallbacks_the_models_go_to_the_upstream_which_falls_back_itself()
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_UPSTREAM_FALLBACKS"] = "upstream" }, cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=4;fail_model=openai/gpt-4o-mini";
        using var http = servers.CreateClient();
        using var response = await http.SendAsync(PostWithFallbacks("openai/gpt-4o-mini", "google/gemini-2.5-flash"), Ct);
        var events = await Sse.ReadAllAsync(response, Ct);
        Assert.Equal(1, servers.Simulator.GetStats().Requests);
        var start = Assert.IsType<StartEvent>(events[0]);
        Assert.Equal("google/gemini-2.5-flash", start.Model);
        Assert.Equal(1, start.Attempts);
        Assert.Equal(Answer("google/gemini-2.5-flash", 4), Sse.Text(events));
    }

    [Fact]
    public async Task Fallbacks_and_retries_serve_whole_answers_and_the_OpenAI_routes_too()
    {
        Simulator.DefaultKnobs = "tokens=5;fail_model=openai/gpt-4o-mini";
        using var whole = await edge.Http.PostAsync("v1/chat", Json("""{"messages":[{"role":"user","content":"Tell me something"}],"models":["deepseek/deepseek-r1"]}"""), Ct);
        using (var doc = JsonDocument.Parse(await whole.Content.ReadAsStringAsync(Ct)))
        {
            Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
            Assert.Equal("deepseek/deepseek-r1", doc.RootElement.GetProperty("model").GetString());
            Assert.Equal(Answer("deepseek/deepseek-r1", 5), doc.RootElement.GetProperty("text").GetString());
        }

        using var chunks = await edge.Http.PostAsync("v1/chat/completions", Json("""{"messages":[{"role":"user","content":"Tell me something"}],"models":["google/gemini-2.5-flash"],"stream":true}"""), Ct);
        var lines = (await chunks.Content.ReadAsStringAsync(Ct)).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Equal("google/gemini-2.5-flash", JsonDocument.Parse(l["data: ".Length..]).RootElement.GetProperty("model").GetString()));

        Simulator.DefaultKnobs = "tokens=5;status=502;status_count=1";
        using var retried = await edge.Http.PostAsync("v1/chat", Json("""{"messages":[{"role":"user","content":"Tell me something"}]}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
    }

    [Fact]
    public async Task The_official_sdk_reads_a_retried_stream_with_its_comments_and_fields()
    {
        Simulator.DefaultKnobs = "tokens=7;status=503;status_count=1";
        var sdk = new ChatClient(SimulatedModel.DefaultId, new System.ClientModel.ApiKeyCredential("sk-anything"), new OpenAIClientOptions { Endpoint = new Uri(edge.Stack.Edge.Url, "v1") });
        var text = new StringBuilder();
        string? model = null;
        await foreach (var update in sdk.CompleteChatStreamingAsync([new UserChatMessage(Prompt)], new ChatCompletionOptions(), Ct))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            model ??= update.Model;
        }

        Assert.Equal(Answer(SimulatedModel.DefaultId, 7), text.ToString());
        Assert.Equal(SimulatedModel.DefaultId, model);
    }

    [Fact]
    public async Task A_DELETE_ends_the_stream_with_the_edges_usage_then_CANCELLED()
    {
        Simulator.DefaultKnobs = "tokens=20;gate=cancel-usage@4";
        using var response = await edge.Http.SendAsync(Sse.Post(Prompt, streamId: "usage-on-cancel"), HttpCompletionOption.ResponseHeadersRead, Ct);
        var reading = Sse.ReadAllAsync(response, Ct);
        await Simulator.Gates.WaitReachedAsync("cancel-usage", Ct);
        using var delete = await edge.Http.DeleteAsync("v1/chat/stream/usage-on-cancel", Ct);
        var events = await reading;
        Assert.Equal(3, events.OfType<DeltaEvent>().Count());
        var usage = Assert.IsType<UsageEvent>(events[^2]).Usage;
        Assert.True(usage.Estimated);
        Assert.Equal(usage.PromptTokens + usage.CompletionTokens, usage.TotalTokens);
        Assert.Equal(StreamErrorCode.Cancelled, Assert.IsType<ErrorEvent>(events[^1]).Error.Code);
        Simulator.Gates.Release("cancel-usage");
    }

    [Fact]
    public async Task A_client_that_left_and_never_came_back_still_gets_its_usage_counted_before_the_end()
    {
        var appended = new System.Collections.Concurrent.ConcurrentQueue<(string Stream, StreamEvent Event)>();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var servers = await RelayServers.StartAsync(
            edgeSettings: new Dictionary<string, string?> { ["RELAY_RESUME_GRACE"] = "0.2" },
            edgeServices: s => s.AddSingleton<IStreamStore>(sp => new RecordingStore(
                new InMemoryStreamStore(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<RelayEdgeOptions>>()),
                (id, e) =>
                {
                    appended.Enqueue((id, e));
                    if (e.IsTerminal)
                    {
                        ended.TrySetResult();
                    }
                })),
            cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=20;gate=walk-away@4";
        using (var http = servers.CreateClient())
        using (var response = await http.SendAsync(Sse.Post(Prompt, streamId: "walked-away-1"), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            await servers.Simulator.Gates.WaitReachedAsync("walk-away", Ct);
        }

        // Nobody resumes: the grace period passes, the edge cancels the upstream and ends the stream with usage first.
        await ended.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var events = appended.Where(a => a.Stream == "walked-away-1").Select(a => a.Event).ToList();
        Assert.Equal(3, events.OfType<DeltaEvent>().Count());
        Assert.True(Assert.IsType<UsageEvent>(events[^2]).Usage.Estimated);
        Assert.Equal(StreamErrorCode.Cancelled, Assert.IsType<ErrorEvent>(events[^1]).Error.Code);
        servers.Simulator.Gates.Release("walk-away");
    }

    [Fact]
    public async Task An_answer_the_upstream_reported_no_usage_for_gets_an_estimate_before_done()
    {
        Simulator.DefaultKnobs = "tokens=8;usage=none";
        var (_, events) = await StreamAsync(Sse.Post(Prompt));
        var usage = Assert.IsType<UsageEvent>(events[^2]).Usage;
        Assert.True(usage.Estimated);
        Assert.InRange(usage.CompletionTokens, 8, Sse.Text(events).Length);
        Assert.IsType<DoneEvent>(events[^1]);
    }

    [Fact]
    public async Task Metrics_count_retries_tokens_by_kind_and_estimate_and_cost_by_model()
    {
        Simulator.DefaultKnobs = "tokens=5;status=503;status_count=1";
        await StreamAsync(Sse.Post(Prompt));
        Simulator.DefaultKnobs = "tokens=5;usage=none";
        await StreamAsync(Sse.Post(Prompt));
        var metrics = await edge.Http.GetStringAsync("metrics", Ct);
        Assert.Matches("relay_upstream_retries_total\\{[^}]*code=\"UPSTREAM_UNAVAILABLE\"", metrics);
        Assert.Matches("relay_tokens_total\\{[^}]*estimated=\"false\"[^}]*kind=\"completion\"[^}]*model=\"openai/gpt-4o-mini\"", metrics);
        Assert.Matches("relay_tokens_total\\{[^}]*estimated=\"true\"[^}]*kind=\"prompt\"", metrics);
        Assert.Matches("relay_cost_usd_total\\{[^}]*model=\"openai/gpt-4o-mini\"[^}]*\\} [0-9.eE-]+", metrics);
    }

    [Fact]
    public async Task With_RELAY_TOKENS_usage_is_counted_per_owner_by_hash_prefix_never_the_token()
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_TOKENS"] = "secret-token-alpha" }, cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=3";
        using var http = servers.CreateClient("secret-token-alpha");
        using (var response = await http.SendAsync(Sse.Post(Prompt), Ct))
        {
            await Sse.ReadAllAsync(response, Ct);
        }

        var owner = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("secret-token-alpha")))[..12];
        var metrics = await http.GetStringAsync("metrics", Ct);
        Assert.Contains($"owner=\"{owner}\"", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-alpha", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RELAY_UPSTREAM_RETRIES", "0")]
    [InlineData("RELAY_UPSTREAM_RETRY_BUDGET", "0.2")] // the first wait (250 ms or more) does not fit
    public async Task Retries_stay_within_their_settings(string setting, string value)
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { [setting] = value }, cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "status=503";
        using var http = servers.CreateClient();
        using var response = await http.SendAsync(Sse.Post(Prompt), Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, servers.Simulator.GetStats().Requests);
    }

    [Fact]
    public async Task Bad_fallback_lists_are_400_naming_the_field()
    {
        using var empty = await edge.Http.PostAsync("v1/chat/stream", Json("""{"messages":[{"role":"user","content":"x"}],"models":["a/b",""]}"""), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("models[1]", await empty.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var many = string.Join(",", Enumerable.Range(0, 9).Select(i => $"\"m/{i}\""));
        using var tooMany = await edge.Http.PostAsync("v1/chat/completions", Json($$"""{"messages":[{"role":"user","content":"x"}],"models":[{{many}}]}"""), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("models: at most 8", await tooMany.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    /// <summary>The in-memory store, telling each appended event to the test (a stream nobody reads is seen here only).</summary>
    private sealed class RecordingStore(InMemoryStreamStore inner, Action<string, StreamEvent> appended) : DelegatingStore(inner)
    {
        public override async ValueTask<long> AppendAsync(string streamId, StreamEvent streamEvent, CancellationToken cancellationToken = default)
        {
            var seq = await base.AppendAsync(streamId, streamEvent, cancellationToken);
            appended(streamId, streamEvent);
            return seq;
        }
    }

    private static string Answer(string model, int tokens) => SimulatedAnswer.For(model, [ChatMessage.User(Prompt)], tokens: tokens).Text;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static HttpRequestMessage PostWithFallbacks(string model, params string[] fallbacks) => new(HttpMethod.Post, "v1/chat/stream")
    {
        Content = Json(JsonSerializer.Serialize(new ChatRequest { Model = model, Models = fallbacks, Messages = [ChatMessage.User(Prompt)] }, RelayJsonContext.Default.ChatRequest)),
    };

    /// <summary>One POST read to its end: the raw body (comments included) and its events.</summary>
    private async Task<(string Raw, List<StreamEvent> Events)> StreamAsync(HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await edge.Http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var raw = await response.Content.ReadAsStringAsync(Ct);
            var events = new List<StreamEvent>();
            await foreach (var frame in SseEventReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(raw)), cancellationToken: Ct))
            {
                events.Add(StreamEventSerializer.Deserialize(frame.EventType, frame.Data, frame.LastEventId));
            }

            return (raw, events);
        }
    }
}
