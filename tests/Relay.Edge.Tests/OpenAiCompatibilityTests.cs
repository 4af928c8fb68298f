using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using Relay.Simulator;
using AI = Microsoft.Extensions.AI;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;
using RelayMessage = Relay.Contracts.ChatMessage;

namespace Relay.Edge.Tests;

public sealed class OpenAiCompatibilityTests(EdgeFixture edge) : IClassFixture<EdgeFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ChatClient Sdk(string model = SimulatedModel.DefaultId) =>
        new(model, new ApiKeyCredential("sk-anything"), new OpenAIClientOptions { Endpoint = new Uri(edge.Stack.Edge.Url, "v1") });

    private static string Expected(string model, string prompt, int tokens) => SimulatedAnswer.For(model, [RelayMessage.User(prompt)], tokens: tokens).Text;

    [Fact]
    public async Task The_official_sdk_streams_text_and_usage()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=25";
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in Sdk().CompleteChatStreamingAsync([new UserChatMessage("Tell me something")], new ChatCompletionOptions(), Ct))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal(Expected(SimulatedModel.DefaultId, "Tell me something", 25), text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.Equal(25, usage!.OutputTokenCount);
    }

    [Fact]
    public async Task The_official_sdk_gets_whole_answers_with_usage()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=9";
        ChatCompletion completion = await Sdk("anthropic/claude-sonnet-4").CompleteChatAsync([new SystemChatMessage("s"), new UserChatMessage("Tell me something")], new ChatCompletionOptions { MaxOutputTokenCount = 50 }, Ct);
        var expected = SimulatedAnswer.For("anthropic/claude-sonnet-4", [RelayMessage.System("s"), RelayMessage.User("Tell me something")], tokens: 9).Text;
        Assert.Equal(expected, completion.Content[0].Text);
        Assert.Equal(9, completion.Usage.OutputTokenCount);
        Assert.Equal("anthropic/claude-sonnet-4", completion.Model);
    }

    [Fact]
    public async Task Tool_calls_come_through_the_sdk_and_IChatClient()
    {
        edge.Stack.Simulator.DefaultKnobs = "tools=1";
        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("get_weather", "weather", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}""")) } };
        ChatCompletion completion = await Sdk().CompleteChatAsync([new UserChatMessage("Weather in Paris?")], options, Ct);
        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Equal("get_weather", completion.ToolCalls[0].FunctionName);
        Assert.Equal("{\"city\":\"Paris\"}", completion.ToolCalls[0].FunctionArguments.ToString());

        IChatClient chat = Sdk().AsIChatClient();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in chat.GetStreamingResponseAsync([new AI.ChatMessage(AI.ChatRole.User, "Weather in Paris?")], new ChatOptions { Tools = [AIFunctionFactory.Create((string city) => "sunny", "get_weather")] }, Ct))
        {
            updates.Add(u);
        }

        var call = updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>().Single();
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Paris", call.Arguments!["city"]!.ToString());
    }

    [Fact]
    public async Task IChatClient_over_the_sdk_streams_text_usage_and_finish_reason()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=12";
        IChatClient chat = Sdk().AsIChatClient();
        var response = await chat.GetStreamingResponseAsync([new AI.ChatMessage(AI.ChatRole.User, "Tell me something")], cancellationToken: Ct).ToChatResponseAsync(Ct);
        Assert.Equal(Expected(SimulatedModel.DefaultId, "Tell me something", 12), response.Text);
        Assert.Equal(12, response.Usage!.OutputTokenCount);
        Assert.Equal(AI.ChatFinishReason.Stop, response.FinishReason);
        var whole = await chat.GetResponseAsync([new AI.ChatMessage(AI.ChatRole.User, "Tell me something")], cancellationToken: Ct);
        Assert.Equal(response.Text, whole.Text);
    }

    [Fact]
    public async Task Models_retrieve_takes_ids_with_a_slash_plain_or_escaped_and_answers_404_in_OpenAIs_shape()
    {
        var models = new OpenAIClient(new ApiKeyCredential("sk-anything"), new OpenAIClientOptions { Endpoint = new Uri(edge.Stack.Edge.Url, "v1") }).GetOpenAIModelClient();
        var model = (await models.GetModelAsync("anthropic/claude-sonnet-4", Ct)).Value;
        Assert.Equal("anthropic/claude-sonnet-4", model.Id);
        Assert.Equal("anthropic", model.OwnedBy);

        foreach (var path in new[] { "v1/models/openai/gpt-4o-mini", "v1/models/openai%2Fgpt-4o-mini" })
        {
            using var doc = JsonDocument.Parse(await edge.Http.GetStringAsync(path, Ct));
            Assert.Equal("openai/gpt-4o-mini", doc.RootElement.GetProperty("id").GetString());
            Assert.Equal("model", doc.RootElement.GetProperty("object").GetString());
        }

        using var missing = await edge.Http.GetAsync("v1/models/nobody/no-such-model", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var error = JsonDocument.Parse(await missing.Content.ReadAsStringAsync(Ct));
        Assert.Equal("model_not_found", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        var ex = await Assert.ThrowsAsync<ClientResultException>(() => models.GetModelAsync("nobody/no-such-model", Ct));
        Assert.Equal(404, ex.Status);
    }

    [Fact]
    public async Task An_answer_cut_by_max_tokens_finishes_with_length_on_both_endpoints()
    {
        edge.Stack.Simulator.DefaultKnobs = null;
        ChatFinishReason? finish = null;
        var text = new StringBuilder();
        await foreach (var update in Sdk().CompleteChatStreamingAsync([new UserChatMessage("Explain tides")], new ChatCompletionOptions { MaxOutputTokenCount = 7 }, Ct))
        {
            finish ??= update.FinishReason;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        var cut = SimulatedAnswer.For(SimulatedModel.DefaultId, [RelayMessage.User("Explain tides")], maxTokens: 7);
        Assert.True(cut.CutByMaxTokens);
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.Equal(cut.Text, text.ToString());
        Assert.StartsWith(cut.Text, SimulatedAnswer.For(SimulatedModel.DefaultId, [RelayMessage.User("Explain tides")]).Text, StringComparison.Ordinal);

        using var response = await edge.Http.PostAsync("v1/chat/stream", new StringContent("""{"messages":[{"role":"user","content":"Explain tides"}],"max_tokens":7}""", Encoding.UTF8, "application/json"), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("event: done\ndata: {\"finish_reason\":\"length\"}", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_official_sdk_sends_an_image_part_that_reaches_the_upstream_and_a_model_without_image_input_refuses_it()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=7";
        var png = BinaryData.FromBytes(Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="));
        UserChatMessage question = new(ChatMessageContentPart.CreateTextPart("What is in this picture?"), ChatMessageContentPart.CreateImagePart(png, "image/png"));
        ChatCompletion completion = await Sdk().CompleteChatAsync([question], cancellationToken: Ct);
        Assert.Equal(Expected(SimulatedModel.DefaultId, "What is in this picture?", 7), completion.Content[0].Text);

        // The simulator refuses only what arrives as an image part: the part went through the edge and its upstream request.
        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Sdk("deepseek/deepseek-r1").CompleteChatAsync([question], cancellationToken: Ct));
        Assert.Contains("No endpoints found that support image input", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_reach_the_sdk_with_the_taxonomys_status()
    {
        edge.Stack.Simulator.DefaultKnobs = "status=402";
        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Sdk().CompleteChatAsync([new UserChatMessage("x")], cancellationToken: Ct));
        Assert.Equal(402, ex.Status);
        Assert.Contains("insufficient_credits", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stream_is_chunks_rebuilt_from_events_with_role_first_usage_last_then_done()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=3";
        const string Body = """{"model":"deepseek/deepseek-r1","messages":[{"role":"developer","content":[{"type":"text","text":"be "},{"type":"text","text":"brief"}]},{"role":"user","content":"Tell me something"}],"stream":true,"stream_options":{"include_usage":true},"max_completion_tokens":50,"unknown_field":{"x":1}}""";
        using var response = await edge.Http.PostAsync("v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"), Ct);
        var lines = (await response.Content.ReadAsStringAsync(Ct)).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l["data: ".Length..]).ToList();
        Assert.Equal("[DONE]", lines[^1]);
        var chunks = lines[..^1].Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.All(chunks, c => Assert.StartsWith("chatcmpl-", c.GetProperty("id").GetString(), StringComparison.Ordinal));
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.DoesNotContain(chunks.Skip(1), c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("role", out _));
        Assert.Contains(chunks, c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("reasoning", out _));
        Assert.Equal("stop", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(0, chunks[^1].GetProperty("choices").GetArrayLength());
        Assert.True(chunks[^1].GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task A_mid_stream_error_is_an_error_line_and_no_DONE()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=5;error=midstream-a@3";
        using var response = await edge.Http.PostAsync("v1/chat/completions", new StringContent("""{"messages":[{"role":"user","content":"x"}],"stream":true}""", Encoding.UTF8, "application/json"), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("[DONE]", body, StringComparison.Ordinal);
        Assert.Contains("data: {\"error\":{\"message\":", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"wizard","content":"x"}]}""", "role")]
    [InlineData("""{"messages":"nope"}""", "messages")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"max_tokens":"many"}""", "wrong type")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"temperature":9}""", "temperature")]
    [InlineData("""{"messages":[""", "Invalid JSON")]
    [InlineData("""[]""", "JSON object")]
    [InlineData("""{"messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}""", "messages[0].content[0]: only user messages can carry images")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}""", "messages[0].content[0].type: 'input_audio' is not text or image_url")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"file:///etc/passwd"}}]}]}""", "messages[0].content[0].image_url.url: must be an http(s) URL or a data:image/ URL")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"text"}]}]}""", "messages[0].content[0].text: required")]
    public async Task Bad_requests_are_400_in_OpenAIs_error_shape(string body, string field)
    {
        using var response = await edge.Http.PostAsync("v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_request", error.GetProperty("code").GetString());
        Assert.Contains(field, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_disconnects_cancels_the_upstream_at_once()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=100;stall=2";
        var aborts = edge.Stack.Simulator.GetStats().AbortedByClient;
        using (var walker = new HttpClient(new SocketsHttpHandler { ResponseDrainTimeout = TimeSpan.Zero }) { BaseAddress = edge.Stack.Edge.Url })
        using (var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent("""{"messages":[{"role":"user","content":"x"}],"stream":true}""", Encoding.UTF8, "application/json") })
        using (var response = await walker.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            await using var stream = await response.Content.ReadAsStreamAsync(Ct);
            await stream.ReadExactlyAsync(new byte[8], Ct);
        }

        await edge.Stack.Simulator.WaitForAbortsAsync((int)aborts + 1, Ct).WaitAsync(TimeSpan.FromSeconds(2), Ct);
    }
}
