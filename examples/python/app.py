#!/usr/bin/env python3
"""The README example app in Python: synthesizes the same stack as examples/typescript/app.ts."""
# example:start
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from cdk_websocket_pusher import (
    ChannelRule, ChannelsOptions, ConnectionRoutesOptions, ConnectionUserId, JwtAuthorizer, LifecycleEvent, LifecycleEventsOptions,
    MessageFormat, PusherAlarmsOptions, WebsocketPusher,
)

app = App()
stack = Stack(app, "PusherExample", env=Environment(account="111111111111", region="eu-west-1"))

# The WebSocket API whose users receive the pushes.
api = apigwv2.WebSocketApi(stack, "Api")
stage = apigwv2.WebSocketStage(stack, "Stage", web_socket_api=api, stage_name="live", auto_deploy=True)

# Clients connect with ?token=<a JWT of your identity provider>: its sub is the user id, its tenant claim kept.
authorizer = JwtAuthorizer(stack, "TokenAuthorizer",
    issuer="https://login.example.com/",
    audience=["pusher-example"],
    context_claims=["tenant"],
)

# Who is told when something needs a look.
on_call = sns.Topic(stack, "OnCall")

# Who may join a room: your function decides (a sketch: the public rooms only).
room_access = lambda_.Function(stack, "RoomAccess",
    runtime=lambda_.Runtime.NODEJS_22_X,
    handler="index.handler",
    code=lambda_.Code.from_inline("exports.handler = async (e) => ({ allow: e.channel.startsWith('room/public-') });"),
)

pusher = WebsocketPusher(stack, "Pusher",
    web_socket_stage=stage,
    max_in_flight=128,
    timeout=Duration.minutes(2),
    # $connect / $disconnect write and delete the rows themselves (no Lambda), the user id from the authorizer.
    connection_routes=ConnectionRoutesOptions(
        user_id=ConnectionUserId.from_authorizer(),
        authorizer=authorizer,
        authorizer_context_attributes=["tenant"],
    ),
    enable_disconnect=True,
    # Clients receive {"type":"message","id":...,"data":...}: the id lets them drop a duplicate.
    message_format=MessageFormat.ENVELOPE,
    # Clients subscribe to channels ({"action":"subscribe","channel":"room/public-42"}); the first rule that covers one decides.
    channels=ChannelsOptions(
        rules=[
            ChannelRule.allow("user/{userId}/inbox", history=Duration.hours(1)),  # each user its own inbox; an hour of history to resume
            ChannelRule.allow("tenant/{context.tenant}/*"),  # the channels of the connection's tenant (its tenant claim)
            ChannelRule.hook("room/*", room_access),  # room_access decides
        ],
        shards=2,  # each channel's subscriptions over 2 partitions: twice the subscribes a second
    ),
    # Connected, Disconnected, UserOnline, UserOffline on the account's default event bus; offline once gone a minute.
    lifecycle_events=LifecycleEventsOptions(offline_grace_period=Duration.minutes(1)),
    # Dead-letter queues not empty, failed requests, errors, throttles, a backlog: to the on-call topic.
    alarms=PusherAlarmsOptions(alarm_actions=[actions.SnsAction(on_call)]),
)

# The pusher's metrics are methods: an alarm of your own on them.
cloudwatch.Alarm(stack, "ManyGone",
    metric=pusher.metric_gone(period=Duration.hours(1)),
    threshold=1000,
    evaluation_periods=1,
)

# A backend that publishes notification requests to the pusher's topic and queue.
backend = lambda_.Function(stack, "Backend",
    runtime=lambda_.Runtime.NODEJS_22_X,
    handler="index.handler",
    code=lambda_.Code.from_inline("exports.handler = async () => {};"),
    environment={
        "NOTIFICATIONS_TOPIC_ARN": pusher.topic.topic_arn,
        "NOTIFICATIONS_QUEUE_URL": pusher.queue.queue_url,
    },
)
pusher.grant_publish(backend)

# The backend is told who comes online and goes offline, to tell everyone else (a request with exclude_users).
pusher.on_lifecycle_event("PresenceChanges",
    event_types=[LifecycleEvent.USER_ONLINE, LifecycleEvent.USER_OFFLINE],
    target=targets.LambdaFunction(backend),
)

app.synth()
# example:end
