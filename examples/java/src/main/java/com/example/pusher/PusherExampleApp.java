package com.example.pusher;

// example:start
import io.github.cdkwebsocketpusher.ChannelRule;
import io.github.cdkwebsocketpusher.ChannelRuleOptions;
import io.github.cdkwebsocketpusher.ChannelsOptions;
import io.github.cdkwebsocketpusher.ConnectionRoutesOptions;
import io.github.cdkwebsocketpusher.ConnectionUserId;
import io.github.cdkwebsocketpusher.JwtAuthorizer;
import io.github.cdkwebsocketpusher.JwtAuthorizerProps;
import io.github.cdkwebsocketpusher.LifecycleEvent;
import io.github.cdkwebsocketpusher.LifecycleEventsOptions;
import io.github.cdkwebsocketpusher.LifecycleRuleOptions;
import io.github.cdkwebsocketpusher.MessageFormat;
import io.github.cdkwebsocketpusher.PusherAlarmsOptions;
import io.github.cdkwebsocketpusher.WebsocketPusher;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.apigatewayv2.WebSocketApi;
import software.amazon.awscdk.services.apigatewayv2.WebSocketStage;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.sns.Topic;

public final class PusherExampleApp {
    public static void main(final String[] args) {
        App app = new App();
        Stack stack = new Stack(app, "PusherExample", StackProps.builder()
                .env(Environment.builder().account("111111111111").region("eu-west-1").build())
                .build());

        // The WebSocket API whose users receive the pushes.
        WebSocketApi api = new WebSocketApi(stack, "Api");
        WebSocketStage stage = WebSocketStage.Builder.create(stack, "Stage")
                .webSocketApi(api)
                .stageName("live")
                .autoDeploy(true)
                .build();

        // Clients connect with ?token=<a JWT of your identity provider>: its sub is the user id, its tenant claim kept.
        JwtAuthorizer authorizer = new JwtAuthorizer(stack, "TokenAuthorizer", JwtAuthorizerProps.builder()
                .issuer("https://login.example.com/")
                .audience(List.of("pusher-example"))
                .contextClaims(List.of("tenant"))
                .build());

        // Who is told when something needs a look.
        Topic onCall = new Topic(stack, "OnCall");

        // Who may join a room: your function decides (a sketch: the public rooms only).
        Function roomAccess = Function.Builder.create(stack, "RoomAccess")
                .runtime(Runtime.NODEJS_22_X)
                .handler("index.handler")
                .code(Code.fromInline("exports.handler = async (e) => ({ allow: e.channel.startsWith('room/public-') });"))
                .build();

        WebsocketPusher pusher = WebsocketPusher.Builder.create(stack, "Pusher")
                .webSocketStage(stage)
                .maxInFlight(128)
                .timeout(Duration.minutes(2))
                // $connect / $disconnect write and delete the rows themselves (no Lambda), the user id from the authorizer.
                .connectionRoutes(ConnectionRoutesOptions.builder()
                        .userId(ConnectionUserId.fromAuthorizer())
                        .authorizer(authorizer)
                        .authorizerContextAttributes(List.of("tenant"))
                        .build())
                .enableDisconnect(true)
                // Clients receive {"type":"message","id":...,"data":...}: the id lets them drop a duplicate.
                .messageFormat(MessageFormat.ENVELOPE)
                // Clients subscribe to channels ({"action":"subscribe","channel":"room/public-42"}); the first rule that covers one decides.
                .channels(ChannelsOptions.builder()
                        .rules(List.of(
                                ChannelRule.allow("user/{userId}/inbox", ChannelRuleOptions.builder().history(Duration.hours(1)).build()), // each user its own inbox; an hour of history to resume
                                ChannelRule.allow("tenant/{context.tenant}/*"), // the channels of the connection's tenant (its tenant claim)
                                ChannelRule.hook("room/*", roomAccess))) // roomAccess decides
                        .shards(2) // each channel's subscriptions over 2 partitions: twice the subscribes a second
                        .build())
                // Connected, Disconnected, UserOnline, UserOffline on the account's default event bus; offline once gone a minute.
                .lifecycleEvents(LifecycleEventsOptions.builder().offlineGracePeriod(Duration.minutes(1)).build())
                // Dead-letter queues not empty, failed requests, errors, throttles, a backlog: to the on-call topic.
                .alarms(PusherAlarmsOptions.builder().alarmActions(List.of(new SnsAction(onCall))).build())
                .build();

        // The pusher's metrics are methods: an alarm of your own on them.
        Alarm.Builder.create(stack, "ManyGone")
                .metric(pusher.metricGone(MetricOptions.builder().period(Duration.hours(1)).build()))
                .threshold(1000)
                .evaluationPeriods(1)
                .build();

        // A backend that publishes notification requests to the pusher's topic and queue.
        Function backend = Function.Builder.create(stack, "Backend")
                .runtime(Runtime.NODEJS_22_X)
                .handler("index.handler")
                .code(Code.fromInline("exports.handler = async () => {};"))
                .environment(Map.of(
                        "NOTIFICATIONS_TOPIC_ARN", pusher.getTopic().getTopicArn(),
                        "NOTIFICATIONS_QUEUE_URL", pusher.getQueue().getQueueUrl()))
                .build();
        pusher.grantPublish(backend);

        // The backend is told who comes online and goes offline, to tell everyone else (a request with exclude_users).
        pusher.onLifecycleEvent("PresenceChanges", LifecycleRuleOptions.builder()
                .eventTypes(List.of(LifecycleEvent.USER_ONLINE, LifecycleEvent.USER_OFFLINE))
                .target(new LambdaFunction(backend))
                .build());

        app.synth();
    }
}
// example:end
