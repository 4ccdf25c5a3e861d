/**
 * OpenFlow 1.3 codec with the Nicira and ONF extensions OVS uses: encode(message) →
 * bytes, decode(bytes) → message, and a framer for byte streams. No I/O.
 */

export { decode, encode, readMessage, writeMessage } from './codec';
export { OpenFlowFramer } from './framer';
export { OpenFlowDecodeError, OpenFlowEncodeError } from './errors';
export { Reader } from './reader';
export { Writer } from './writer';
export { OFP_HEADER_LEN, OFP_VERSION, OfpType } from './header';
export { ControllerMaxLen, Group, NO_BUFFER, Port, Table } from './ports';
export { CtState, EthType, IpFrag, IpProto, TunFlags, VlanVid } from './match-types';
export type { FieldName, FieldValue, Masked, MaskableBigint, MaskableNumber, Match, RawOxm } from './match-types';
export { FIELDS, ONF_EXPERIMENTER_ID, OxmClass, type FieldKind, type FieldSpec } from './fields';
export { whole, type Subfield } from './subfield';
export { ActionType, MAX_ACTION_DEPTH } from './actions';
export type { Action, ExperimenterAction, FieldAssignment, Output, SetField, StandardAction } from './actions';
export { NX_VENDOR_ID, NxActionSubtype } from './nicira';
export type { Conjunction, NiciraAction, Note, RegLoad, RegLoad2, RegMove, Resubmit } from './nicira-actions';
export { CtFlags, NatFlags, type Ct, type Nat } from './conntrack-actions';
export type { Controller2, NxController } from './controller-actions';
export { InstructionType, type Instruction } from './instructions';
export { ErrorType, errorCode, errorName } from './error-codes';
export type { OfpMessage, OfpMessageInput, OfpMessageType } from './messages/message';
export type { Hello, HelloInput } from './messages/hello';
export type { ErrorMessage, ErrorMessageInput } from './messages/error';
export type { BarrierReply, BarrierRequest, EchoInput, EchoReply, EchoRequest, FeaturesRequest, GetAsyncRequest, GetConfigRequest } from './messages/header-only';
export { Capabilities, ConfigFlags, type FeaturesReply, type GetConfigReply, type SetConfig } from './messages/switch-config';
export { PacketInReason, type PacketIn, type PacketInInput } from './messages/packet-in';
export type { PacketOut, PacketOutInput } from './messages/packet-out';
export { DEFAULT_PRIORITY, FlowModCommand, FlowModFlags, type FlowMod, type FlowModInput } from './messages/flow-mod';
export { FlowRemovedReason, type FlowRemoved } from './messages/flow-removed';
export { PortConfig, PortFeatures, PortReason, PortState, type PortDesc, type PortStatus } from './messages/port';
export { GroupModCommand, GroupType, type Bucket, type GroupMod, type GroupModInput } from './messages/group-mod';
export { MultipartFlags, MultipartType } from './messages/multipart-request';
export type { FlowStatsRequest, MultipartRequest, MultipartRequestBody, MultipartRequestBodyInput, MultipartRequestInput, RawMultipart } from './messages/multipart-request';
export type { FlowStats, GroupDesc, MultipartReply, MultipartReplyBody, MultipartReplyInput, PortStats, SwitchDesc, TableStats } from './messages/multipart-reply';
export { ControllerRole, type RoleReply, type RoleRequest } from './messages/role';
export type { GetAsyncReply, SetAsync } from './messages/async-config';
export { BundleControlType, BundleFlags, OnfExpType } from './messages/bundle';
export type { BundleAddMessage, BundleAddMessageInput, BundleControl, BundleControlInput, ExperimenterMessage } from './messages/bundle';
export type { RawMessage } from './messages/raw';
