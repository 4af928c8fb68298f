using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Relay.Contracts;

namespace Relay.Providers.Tests;

public sealed class RequestAndWholeAnswerTests
{
    private const string Canary = "sk-or-v1-CANARY0123456789abcdef";

    [Theory]
    [InlineData("http://u/api/v1")]
    [InlineData("http://u/api/v1/")]
    public async Task Requests_go_to_chat_completions_under_the_base_keeping_v1(string baseUrl)
    {
        var handler = ScriptedHandler.Sse(Captures.RealStream);
        await TestProvider.Create(handler, new OpenRouterOptions { BaseUrl = baseUrl }).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("http://u/api/v1/chat/completions", handler.Requests.Single().Request.RequestUri!.ToString());
    }

    [Fact]
    public async Task The_stream_request_asks_for_a_stream_and_usage_and_passes_every_field()
    {
        var handler = ScriptedHandler.Sse(Captures.RealStream);
        var options = new OpenRouterOptions { BaseUrl = "http://u/api/v1", ApiKey = Canary, HttpReferer = "https://relay.test", AppTitle = "Relay" };
        using var tools = JsonDocument.Parse("""[{"type":"function","function":{"name":"weather"}}]""");
        var request = TestProvider.Request() with
        {
            Messages =
            [
                ChatMessage.System("sys"),
                ChatMessage.User("hi"),
                new ChatMessage(ChatRole.Assistant, null) { ToolCalls = [new ToolCall("c1", "weather", "{}")] },
                new ChatMessage(ChatRole.Tool, "sunny") { ToolCallId = "c1" },
            ],
            MaxTokens = 50,
            Temperature = 0.5,
            TopP = 0.9,
            Seed = 7,
            Stop = ["END"],
            ReasoningEffort = "high",
            Tools = tools.RootElement.Clone(),
            ToolChoice = JsonDocument.Parse("\"auto\"").RootElement.Clone(),
        };
        await TestProvider.Create(handler, options).CollectAsync(request, TestContext.Current.CancellationToken);
        var (sent, body) = handler.Requests.Single();
        Assert.Equal("Bearer " + Canary, sent.Headers.Authorization!.ToString());
        Assert.Equal("https://relay.test", sent.Headers.GetValues("HTTP-Referer").Single());
        Assert.Equal("Relay", sent.Headers.GetValues("X-Title").Single());
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.True(root.GetProperty("stream").GetBoolean());
        Assert.True(root.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.True(root.GetProperty("usage").GetProperty("include").GetBoolean());
        Assert.Equal(TestProvider.Model, root.GetProperty("model").GetString());
        Assert.Equal(50, root.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.9, root.GetProperty("top_p").GetDouble());
        Assert.Equal(7, root.GetProperty("seed").GetInt32());
        Assert.Equal("END", root.GetProperty("stop")[0].GetString());
        Assert.Equal("high", root.GetProperty("reasoning").GetProperty("effort").GetString());
        Assert.Equal("weather", root.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("auto", root.GetProperty("tool_choice").GetString());
        var messages = root.GetProperty("messages");
        Assert.Equal("weather", messages[2].GetProperty("tool_calls")[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("c1", messages[3].GetProperty("tool_call_id").GetString());
        Assert.Equal("tool", messages[3].GetProperty("role").GetString());
    }

    [Fact]
    public async Task Without_a_key_no_Authorization_header_is_sent()
    {
        var handler = ScriptedHandler.Sse(Captures.RealStream);
        await TestProvider.Create(handler).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(handler.Requests.Single().Request.Headers.Authorization);
    }

    [Fact]
    public async Task The_whole_answer_has_the_same_text_reasoning_tool_calls_and_usage_as_the_stream_would()
    {
        const string body = """
            {"id":"gen-1","object":"chat.completion","created":1,"model":"openai/gpt-5.4-nano-20260317","provider":"OpenAI",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Olá! 😊","reasoning":"think",
               "tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},
               "finish_reason":"tool_calls","native_finish_reason":"completed"}],
             "usage":{"prompt_tokens":19,"completion_tokens":7,"total_tokens":26,"cost":0.00001255,"completion_tokens_details":{"reasoning_tokens":3}}}
            """;
        var handler = ScriptedHandler.Status(200, body);
        var result = await TestProvider.Create(handler).GenerateAsync(TestProvider.Request(), TestContext.Current.CancellationToken);
        Assert.Equal("Olá! 😊", result.Text);
        Assert.Equal("think", result.Reasoning);
        Assert.Equal(new ToolCall("call_1", "weather", "{\"city\":\"Paris\"}"), Assert.Single(result.ToolCalls));
        Assert.Equal(26, result.Usage!.TotalTokens);
        Assert.Equal(3, result.Usage.ReasoningTokens);
        Assert.Equal("tool_calls", result.FinishReason);
        Assert.Equal("openai/gpt-5.4-nano-20260317", result.Model);
        Assert.Equal("OpenAI", result.Provider);
        using var sent = JsonDocument.Parse(handler.Requests.Single().Body);
        Assert.False(sent.RootElement.GetProperty("stream").GetBoolean());
    }

    [Theory]
    [InlineData(429, """{"error":{"message":"slow","code":429}}""", StreamErrorCode.RateLimited)]
    [InlineData(200, """{"error":{"message":"no credits","code":402}}""", StreamErrorCode.InsufficientCredits)]
    [InlineData(200, """not json""", StreamErrorCode.MalformedEvent)]
    [InlineData(200, """{"choices":[]}""", StreamErrorCode.MalformedEvent)]
    [InlineData(200, """[1]""", StreamErrorCode.MalformedEvent)]
    [InlineData(200, """{"choices":[{"message":{"content":""},"finish_reason":"error"}]}""", StreamErrorCode.UpstreamError)]
    public async Task Whole_answer_errors_are_thrown_as_the_taxonomy(int status, string body, StreamErrorCode code)
    {
        var ex = await Assert.ThrowsAsync<StreamErrorException>(() => TestProvider.Create(ScriptedHandler.Status(status, body)).GenerateAsync(TestProvider.Request(), TestContext.Current.CancellationToken));
        Assert.Equal(code, ex.Error.Code);
    }

    [Fact]
    public async Task Whole_answer_from_an_unreachable_upstream_is_UPSTREAM_UNAVAILABLE()
    {
        var handler = new ScriptedHandler(_ => throw new HttpRequestException("refused"));
        var ex = await Assert.ThrowsAsync<StreamErrorException>(() => TestProvider.Create(handler).GenerateAsync(TestProvider.Request(), TestContext.Current.CancellationToken));
        Assert.Equal(StreamErrorCode.UpstreamUnavailable, ex.Error.Code);
    }

    [Fact]
    public async Task The_key_appears_in_no_log_line_error_or_exception_at_any_level()
    {
        var collector = new FakeLogCollector();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(collector)));
        var logger = factory.CreateLogger<OpenRouterProvider>();
        var options = new OpenRouterOptions { BaseUrl = "http://u/api/v1", ApiKey = Canary };
        var echo = "{\"error\":{\"message\":\"Invalid key " + Canary + " (header Authorization: Bearer " + Canary + ")\",\"code\":401}}";

        var events = await TestProvider.Create(ScriptedHandler.Status(401, echo), options, logger: logger).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        var error = Assert.IsType<ErrorEvent>(Assert.Single(events)).Error;
        Assert.Equal(StreamErrorCode.UpstreamAuthFailed, error.Code);
        Assert.DoesNotContain(Canary, error.Message, StringComparison.Ordinal);
        Assert.Contains("[redacted]", error.Message, StringComparison.Ordinal);

        var ex = await Assert.ThrowsAsync<StreamErrorException>(() => TestProvider.Create(ScriptedHandler.Status(401, echo), options, logger: logger).GenerateAsync(TestProvider.Request(), TestContext.Current.CancellationToken));
        Assert.DoesNotContain(Canary, ex.ToString(), StringComparison.Ordinal);

        await TestProvider.Create(ScriptedHandler.Sse(Captures.RealStream), options, logger: logger).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        var logs = collector.GetSnapshot();
        Assert.Contains(logs, l => l.Level == LogLevel.Warning);
        Assert.Contains(logs, l => l.Level == LogLevel.Debug && l.Message.Contains("outcome stop", StringComparison.Ordinal));
        Assert.All(logs, l => Assert.DoesNotContain(Canary, l.Message + l.Exception, StringComparison.Ordinal));
        Assert.DoesNotContain(logs, l => l.Level > LogLevel.Trace && l.Message.Contains("Olá", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Level == LogLevel.Trace && l.Message.Contains("Olá", StringComparison.Ordinal)); // chunks, decoded, at Trace only
    }

    [Fact]
    public void Options_are_validated_at_start_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddOpenRouterProvider(o =>
        {
            o.BaseUrl = "not a url";
            o.IdleTimeout = TimeSpan.Zero;
            o.FirstByteTimeout = TimeSpan.Zero;
            o.MaxEventBytes = 1;
        });
        using var sp = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<OpenRouterOptions>>().Value);
        Assert.Contains("OPENROUTER_BASE_URL", ex.Message, StringComparison.Ordinal);
        Assert.Equal(4, ex.Failures.Count());
    }

    [Fact]
    public void The_provider_is_registered_as_ILlmProvider_on_a_typed_client()
    {
        var services = new ServiceCollection();
        services.AddOpenRouterProvider(o => o.BaseUrl = "http://u/api/v1");
        using var sp = services.BuildServiceProvider();
        Assert.IsType<OpenRouterProvider>(sp.GetRequiredService<ILlmProvider>());
    }

    [Fact]
    public async Task Arguments_are_checked_before_anything_is_sent()
    {
        var provider = TestProvider.Create(ScriptedHandler.Sse(""));
        Assert.Throws<ArgumentNullException>(() => provider.GenerateStreamAsync(null!, TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => provider.GenerateStreamAsync(new ChatRequest { Messages = [ChatMessage.User("x")] }, TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ArgumentException>(() => provider.GenerateAsync(new ChatRequest { Model = "m" }, TestContext.Current.CancellationToken));
    }
}
