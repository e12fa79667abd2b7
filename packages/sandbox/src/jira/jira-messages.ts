/**
 * The texts the simulated Jira answers with, in the instance's language. Jira translates its error
 * messages into the language of the user's profile (or the instance default), so a client must never
 * match these texts: `locale: 'zh_CN'` lets a test prove it does not.
 */

export type JiraLocale = 'en' | 'zh_CN';

export interface JiraMessages {
  notAuthenticated: string;
  issueDoesNotExist: string;
  invalidTransition(name: string, key: string): string;
  missingTransitionId: string;
  transitionIdNotInteger: string;
  fieldCannotBeSet(id: string): string;
  summaryRequired: string;
  summaryTooLong: string;
  summaryNewline: string;
  projectRequired: string;
  validProjectRequired: string;
  issueTypeRequired: string;
  validIssueTypeRequired: string;
  noCreatePermission: string;
  noEditPermission: string;
  noCommentPermission: string;
  commentEmpty: string;
  optionValueInvalid(value: string): string;
  optionIdInvalid(id: string): string;
  optionNeedsIdOrValue: string;
  notAnObject: string;
  notAString: string;
  labelWithSpace: string;
  userDoesNotExist(name: string): string;
  groupDoesNotExist(name: string): string;
  groupNameRequired: string;
  userNameRequired: string;
}

const en: JiraMessages = {
  notAuthenticated: 'You are not authenticated. Authentication required to perform this operation.',
  issueDoesNotExist: 'Issue Does Not Exist',
  invalidTransition: (name, key) =>
    `It seems that you have tried to perform a workflow operation (${name}) that is not valid for the current state of this issue (${key}). The likely cause is that somebody has changed the issue recently, please look at the issue history for details.`,
  missingTransitionId: "Missing 'transition' identifier",
  transitionIdNotInteger: "'transition' identifier must be an integer",
  fieldCannotBeSet: (id) => `Field '${id}' cannot be set. It is not on the appropriate screen, or unknown.`,
  summaryRequired: 'You must specify a summary of the issue.',
  summaryTooLong: 'Summary must be less than 255 characters.',
  summaryNewline: 'The summary is invalid because it contains newline characters.',
  projectRequired: 'project is required',
  validProjectRequired: 'valid project is required',
  issueTypeRequired: 'issue type is required',
  validIssueTypeRequired: 'valid issue type is required',
  noCreatePermission: 'You do not have permission to create issues in this project.',
  noEditPermission: 'You do not have permission to edit issues in this project.',
  noCommentPermission: 'You do not have the permission to comment on this issue.',
  commentEmpty: 'Comment body can not be empty!',
  optionValueInvalid: (value) => `Option value '${value}' is not valid`,
  optionIdInvalid: (id) => `Option id '${id}' is not valid`,
  optionNeedsIdOrValue: "Could not find valid 'id' or 'value' in the Parent Option object.",
  notAnObject: 'data was not an object',
  notAString: 'Operation value must be a string',
  labelWithSpace: 'The label must not contain spaces.',
  userDoesNotExist: (name) => `The user named '${name}' does not exist`,
  groupDoesNotExist: (name) => `The group named '${name}' does not exist`,
  groupNameRequired: 'Group name is required.',
  userNameRequired: 'Either the username or the user key must be given.',
};

// Wording of Jira's zh_CN language pack as far as it is known; what matters is that it is not English.
const zhCN: JiraMessages = {
  notAuthenticated: '您未通过身份验证。执行此操作需要身份验证。',
  issueDoesNotExist: '问题不存在',
  invalidTransition: (name, key) =>
    `您似乎试图执行一个对此问题 (${key}) 的当前状态无效的工作流操作 (${name})。可能的原因是最近有人更改了此问题，请查看问题历史记录了解详情。`,
  missingTransitionId: "缺少 'transition' 标识符",
  transitionIdNotInteger: "'transition' 标识符必须是整数",
  fieldCannotBeSet: (id) => `无法设置字段 '${id}'。它不在相应的界面上，或者未知。`,
  summaryRequired: '您必须指定问题的概要。',
  summaryTooLong: '概要必须少于 255 个字符。',
  summaryNewline: '概要无效，因为它包含换行符。',
  projectRequired: '项目是必需的',
  validProjectRequired: '需要有效的项目',
  issueTypeRequired: '问题类型是必需的',
  validIssueTypeRequired: '需要有效的问题类型',
  noCreatePermission: '您没有在此项目中创建问题的权限。',
  noEditPermission: '您没有在此项目中编辑问题的权限。',
  noCommentPermission: '您没有对此问题发表备注的权限。',
  commentEmpty: '备注内容不能为空！',
  optionValueInvalid: (value) => `选项值 '${value}' 无效`,
  optionIdInvalid: (id) => `选项 ID '${id}' 无效`,
  optionNeedsIdOrValue: "在父选项对象中找不到有效的 'id' 或 'value'。",
  notAnObject: '数据不是对象',
  notAString: '操作值必须是字符串',
  labelWithSpace: '标签不能包含空格。',
  userDoesNotExist: (name) => `用户 '${name}' 不存在`,
  groupDoesNotExist: (name) => `组 '${name}' 不存在`,
  groupNameRequired: '组名是必需的。',
  userNameRequired: '必须给出用户名或用户键。',
};

export function jiraMessages(locale: JiraLocale): JiraMessages {
  return locale === 'zh_CN' ? zhCN : en;
}
