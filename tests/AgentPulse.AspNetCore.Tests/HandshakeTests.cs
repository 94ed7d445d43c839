using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace AgentPulse.AspNetCore.Tests;

public sealed class HandshakeTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PermessageDeflate_IsNeverNegotiated_EvenWhenSomethingElseOffersItInTheAnswer(bool http2)
    {
        // A middleware (a proxy's rule, a careless filter) that names the extension in every answer:
        // were it to reach the client, the client would compress its frames, which this server's
        // socket refuses (it reads uncompressed frames only), and it would expect ours compressed.
        await using var server = await LibraryHost.StartAsync(http2: http2, configure: builder => builder.Services.AddSingleton<IStartupFilter>(new ExtensionHeaderFilter()));
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        if (http2)
        {
            socket.Options.HttpVersion = HttpVersion.Version20;
            socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        await socket.ConnectAsync(server.WebSocketUri(), invoker, CancellationToken.None);

        Assert.Equal(http2 ? HttpStatusCode.OK : HttpStatusCode.SwitchingProtocols, socket.HttpStatusCode);
        Assert.False(socket.HttpResponseHeaders!.ContainsKey(HeaderNames.SecWebSocketExtensions));
        await socket.SendAsync(Encoding.UTF8.GetBytes("""{"op":"ping","id":"p1"}"""), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        string frame;
        do
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            frame = Encoding.UTF8.GetString(buffer, 0, result.Count);
        }
        while (!frame.Contains("session.pong", StringComparison.Ordinal));
        Assert.Contains("\"p1\"", frame, StringComparison.Ordinal);
    }

    private sealed class ExtensionHeaderFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Response.Headers.SecWebSocketExtensions = "permessage-deflate";
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
