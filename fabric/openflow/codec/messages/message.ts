import type { GetAsyncReply, SetAsync } from './async-config';
import type { BundleAddMessage, BundleAddMessageInput, BundleControl, BundleControlInput, ExperimenterMessage } from './bundle';
import type { ErrorMessage, ErrorMessageInput } from './error';
import type { FlowMod, FlowModInput } from './flow-mod';
import type { FlowRemoved } from './flow-removed';
import type { GroupMod, GroupModInput } from './group-mod';
import type { EchoInput, EchoReply, EchoRequest, HeaderOnlyMessage } from './header-only';
import type { Hello, HelloInput } from './hello';
import type { MultipartReply, MultipartReplyInput } from './multipart-reply';
import type { MultipartRequest, MultipartRequestInput } from './multipart-request';
import type { PacketIn, PacketInInput } from './packet-in';
import type { PacketOut, PacketOutInput } from './packet-out';
import type { PortStatus } from './port';
import type { RawMessage } from './raw';
import type { RoleReply, RoleRequest } from './role';
import type { FeaturesReply, GetConfigReply, SetConfig } from './switch-config';

/** Every message `decode` returns, discriminated by `type`; every field is filled in. */
export type OfpMessage =
  | Hello
  | ErrorMessage
  | EchoRequest
  | EchoReply
  | HeaderOnlyMessage
  | FeaturesReply
  | GetConfigReply
  | SetConfig
  | PacketIn
  | FlowRemoved
  | PortStatus
  | PacketOut
  | FlowMod
  | GroupMod
  | MultipartRequest
  | MultipartReply
  | RoleRequest
  | RoleReply
  | GetAsyncReply
  | SetAsync
  | BundleControl
  | BundleAddMessage
  | ExperimenterMessage
  | RawMessage;

/** What `encode` accepts: the same messages, with fields that have a default optional. */
export type OfpMessageInput =
  | HelloInput
  | ErrorMessageInput
  | EchoInput
  | HeaderOnlyMessage
  | FeaturesReply
  | GetConfigReply
  | SetConfig
  | PacketInInput
  | FlowRemoved
  | PortStatus
  | PacketOutInput
  | FlowModInput
  | GroupModInput
  | MultipartRequestInput
  | MultipartReplyInput
  | RoleRequest
  | RoleReply
  | GetAsyncReply
  | SetAsync
  | BundleControlInput
  | BundleAddMessageInput
  | ExperimenterMessage
  | RawMessage;

export type OfpMessageType = OfpMessage['type'];
