//wf:hosts lambda
package names
